using SysopsFast.Grep;
using SysopsFast.Pipeline;
using SysopsFast.Query;
using SysopsFast.Redis;
using SysopsFast.Topology;

namespace SysopsFast;

/// <summary>
/// The library's entry point: the same calls the CLI makes. Create one per process (it owns the
/// connections) and run any number of queries on it.
/// </summary>
public sealed class FleetQuery : IAsyncDisposable
{
    private readonly RedisConnections _connections;

    /// <summary>
    /// Compression dictionaries loaded so far, kept for the next query (a multi-phase command runs
    /// several). Never pruned: a long-lived FleetQuery holds every dictionary it has met (≤ 64 KiB each).
    /// </summary>
    private readonly Format.CompressionDictionaries _dictionaries = new();

    /// <summary>Each server is a core of its own (no topology).</summary>
    public FleetQuery(IEnumerable<ServerAddress> servers, ExtractOptions? options = null)
        : this(FleetTopology.FromServers(servers), new QueryTargeting(), options)
    {
    }

    /// <summary>The cores of <paramref name="topology"/> that <paramref name="targeting"/> selects.</summary>
    public FleetQuery(FleetTopology topology, QueryTargeting targeting, ExtractOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(targeting);
        if (topology.Cores.Count == 0)
        {
            throw Errors.BadArgument("no server to ask; give at least one server or a topology", ErrorRemedy.ServerAddress);
        }
        Topology = topology;
        Targeting = targeting;
        Cores = topology.Select(targeting.Scope, targeting.Site);
        Servers = Cores.SelectMany(c => c.Servers).Distinct().ToArray();
        Options = options ?? new ExtractOptions();
        _connections = new RedisConnections(Options.CommandTimeout);
    }

    public FleetTopology Topology { get; }

    public QueryTargeting Targeting { get; }

    /// <summary>The cores in scope.</summary>
    public IReadOnlyList<Core> Cores { get; }

    /// <summary>Servers given as text (<c>redis://host:port</c> or <c>host:port</c>).</summary>
    public FleetQuery(params string[] servers) : this(servers.Select(ServerAddress.Parse)) { }

    /// <summary>Every server of the cores in scope.</summary>
    public IReadOnlyList<ServerAddress> Servers { get; }

    public ExtractOptions Options { get; }

    internal RedisConnections Connections => _connections;

    /// <summary>Greps every record whose key matches the object pattern and feeds the sinks.</summary>
    public async Task<GrepResult> GrepAsync(GrepRequest request, IGrepSinkFactory sinks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var matcher = request.CreateMatcher();
        sinks = request.OnlyMatching ? new OnlyMatchingSinkFactory(sinks, matcher) : sinks;
        var oldest = request.MaxAge is { } age ? DateTimeOffset.UtcNow.Add(-age).ToUnixTimeMilliseconds() : long.MinValue;
        var processors = new GrepRecordProcessorFactory(matcher, request.Invert, sinks, oldest, request.Limits);
        // Grep reads only contents, so records with the same md5 may be fetched once (the header
        // fields that differ, such as mtime, are not looked at) — unless the age of each counts.
        var summary = await RunAsync(request.ObjectPattern, processors, Options.DeduplicateIdenticalContents && request.MaxAge is null, cancellationToken);
        return new GrepResult(summary, processors.RecordsWithSelection, processors.SelectedLines)
        {
            Stale = processors.Stale,
            Omitted = processors.Omitted,
            OmittedKeys = processors.FirstOmitted,
        };
    }

    /// <summary><c>grep --uniq</c>: identical selected lines counted across the fleet, most frequent first.</summary>
    /// <param name="sampleHosts">Hosts to keep per line (<see cref="UniqCount.Hosts"/>); <see cref="int.MaxValue"/> for all.</param>
    public async Task<(IReadOnlyList<UniqCount> Counts, GrepResult Result)> GrepUniqAsync(GrepRequest request, CancellationToken cancellationToken = default, int sampleHosts = 0)
    {
        var sink = new UniqCountSinkFactory(sampleHosts);
        var result = await GrepAsync(request, sink, cancellationToken);
        return (sink.Result, result);
    }

    /// <summary>
    /// Key=value drift: every key of the matching objects (key=value, key value, ini lines) with its
    /// distinct values and how many records hold each, drifting keys first. One pass over the
    /// records; memory grows with the distinct (key, value) pairs and the hosts sampled.
    /// </summary>
    public async Task<QueryListing<KeyValueRow>> KeyValuesAsync(KeyValueRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.SampleHosts < 0)
        {
            throw Errors.BadArgument("the number of hosts to show per value must be 0 or more");
        }
        var collector = new KeyValueCollector(KeyGlob.Parse(request.KeyGlob), request.SampleHosts);
        // Only contents are read: records with the same md5 may be fetched once (each key is still counted).
        var summary = await RunAsync(request.ObjectPattern, collector, Options.DeduplicateIdenticalContents, cancellationToken);
        var rows = request.OnlyDrift ? collector.Rows.Where(r => r.Drifts).ToList() : collector.Rows;
        return new(rows, summary);
    }

    /// <summary>Lines <see cref="GrepLinesAsync"/> holds for a consumer that has not read them yet.</summary>
    internal const int LineChannelCapacity = 4096;

    /// <summary>
    /// The selected lines as they are found, in no particular order across hosts. Breaking out of the
    /// loop stops the query. Errors (unreachable server, …) are thrown from the enumeration, and so
    /// is cancellation (OperationCanceledException): an answer cut short never ends as if complete.
    /// </summary>
    public async IAsyncEnumerable<GrepLine> GrepLinesAsync(GrepRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Bounded: a consumer slower than the query slows it (ChannelSinkFactory waits without a thread).
        var channel = Channel.CreateBounded<GrepLine>(new BoundedChannelOptions(LineChannelCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var query = Task.Run(async () =>
        {
            try
            {
                await GrepAsync(request, new ChannelSinkFactory(channel.Writer), stop.Token);
                // Cancelled by the caller, the query returns what it read: that is not the whole answer.
                cancellationToken.ThrowIfCancellationRequested();
                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var line in channel.Reader.ReadAllAsync(CancellationToken.None))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return line;
            }
        }
        finally
        {
            // The caller stopped early (or finished): end the query and let blocked workers go.
            await stop.CancelAsync();
            channel.Writer.TryComplete();
            await query;
        }
    }

    /// <summary>Runs any record processor over the records whose key matches <paramref name="objectPattern"/>.</summary>
    /// Each record comes with its own header (dump needs each host's mode and mtime), so nothing is
    /// deduplicated; its contents are handed on whole, so they are checked against its md5.
    public Task<ExtractSummary> RunAsync(string objectPattern, IRecordProcessorFactory processors, CancellationToken cancellationToken = default) =>
        RunAsync(objectPattern, processors, deduplicate: false, cancellationToken, checkMd5: true);

    private async Task<ExtractSummary> RunAsync(string objectPattern, IRecordProcessorFactory processors, bool deduplicate, CancellationToken cancellationToken, bool checkMd5 = false)
    {
        var selection = Select(objectPattern, RecordReadMode.Contents) with { Deduplicate = deduplicate, CheckMd5 = checkMd5 };
        var summary = await RunAsync(selection, processors, cancellationToken);
        // After a join, no key is a possible answer ("no host satisfies it"), not a typo; and with a
        // core missing (allowed partial) the keys may be there: its warning says so.
        if (summary.KeysDiscovered == 0 && !summary.Partial && summary.CoresMissing.Count == 0 && _joined is null)
        {
            throw selection.Hosts is null
                ? Errors.NothingMatched(objectPattern, summary.Servers)
                : Errors.NothingMatchedAmongHosts(objectPattern, selection.Hosts.Description, summary.Servers);
        }
        return summary;
    }

    /// <summary>
    /// Runs any processor over the records <paramref name="selection"/> names, reading as much of
    /// each as its mode says. Finding nothing is not an error here: the summary says how many keys.
    /// </summary>
    public Task<ExtractSummary> RunAsync(RecordSelection selection, IRecordProcessorFactory processors, CancellationToken cancellationToken = default) =>
        RunAsync(selection, processors, CoreTarget.Plan(Cores, Targeting.NoLoadBalance, Targeting.Random), Targeting.AllowPartial, cancellationToken);

    private async Task<ExtractSummary> RunAsync(RecordSelection selection, IRecordProcessorFactory processors, IReadOnlyList<CoreTarget> targets, bool allowPartial, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selection);
        var source = new RedisRecordSource(_connections, targets, selection, Options, allowPartial, _dictionaries);
        return await ExtractPipeline.RunAsync(source, processors, Options, cancellationToken);
    }

    /// <summary>The selection of an object pattern under this query's targeting (host restrictions, --scan).</summary>
    public RecordSelection Select(string objectPattern, RecordReadMode mode) => new()
    {
        KeyGlob = ObjectKey.ToKeyGlob(objectPattern),
        Mode = mode,
        Hosts = _joined ?? (Targeting.Hosts is { IsEmpty: false } filter ? filter : null),
        Scan = Targeting.Scan,
    };

    /// <summary>The targeting's hosts narrowed by <see cref="RestrictToHostsAsync"/>; null until then.</summary>
    private HostFilter? _joined;

    /// <summary>
    /// Joins by host: computes, for each condition, the hosts whose object matches (one pass over
    /// that object, through the same pipeline and matchers as grep), and from then on every query of
    /// this FleetQuery covers only the hosts that satisfy all of them. A host that does not hold the
    /// condition's object does not satisfy "having" and does satisfy "lacking".
    /// </summary>
    public async Task<HostJoin> RestrictToHostsAsync(IReadOnlyList<HostCondition> conditions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        var filter = Targeting.Hosts?.Clone() ?? new HostFilter();
        var results = new List<(HostCondition, int)>();
        var summaries = new List<ExtractSummary>();
        foreach (var condition in conditions)
        {
            var collector = new MatchingHostCollector(MatcherFactory.Create(condition.Text, condition.Regex, condition.IgnoreCase));
            // Only the hosts already in scope are read; identical contents are read once.
            var selection = Select(condition.ObjectPattern, RecordReadMode.Contents) with { Deduplicate = Options.DeduplicateIdenticalContents };
            summaries.Add(await RunAsync(selection, collector, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            _ = condition.Having ? filter.RequireOneOf(collector.Hosts) : filter.Exclude(collector.Hosts);
            results.Add((condition, collector.Hosts.Count));
        }
        _joined = filter.IsEmpty ? null : filter;
        return new HostJoin(results, summaries);
    }

    /// <summary>The keys matching <paramref name="objectPattern"/>, sorted (ordinal); no value is read.</summary>
    public async Task<QueryListing<string>> SearchAsync(string objectPattern, CancellationToken cancellationToken = default)
    {
        var keys = RecordCollectors.Keys();
        var summary = await RunAsync(Select(objectPattern, RecordReadMode.KeyOnly), keys, cancellationToken);
        return new(keys.Items.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(), summary);
    }

    /// <summary>The headers of the matching records, sorted by key: only 120 bytes of each cross the wire.</summary>
    public async Task<QueryListing<RecordMetadata>> ReadMetadataAsync(string objectPattern, CancellationToken cancellationToken = default)
    {
        var headers = RecordCollectors.Metadata();
        var summary = await RunAsync(Select(objectPattern, RecordReadMode.Header), headers, cancellationToken);
        return new(headers.Items.DistinctBy(r => r.KeyBytes, Grep.ByteSequenceComparer.Instance).OrderBy(r => r.Key, StringComparer.Ordinal).ToArray(), summary);
    }

    /// <summary>
    /// The whole records of the given keys (each core is asked; a key none holds is absent from the
    /// answer), sorted by key. Host restrictions do not apply: the keys are named.
    /// </summary>
    public Task<QueryListing<FetchedRecord>> FetchAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default) =>
        FetchAsync(keys.Select(System.Text.Encoding.UTF8.GetBytes), cancellationToken);

    /// <summary>As <see cref="FetchAsync(IEnumerable{string}, CancellationToken)"/>, by the keys' stored bytes (<see cref="RecordMetadata.KeyBytes"/>).</summary>
    public async Task<QueryListing<FetchedRecord>> FetchAsync(IEnumerable<byte[]> keys, CancellationToken cancellationToken = default)
    {
        var records = RecordCollectors.Records();
        var selection = new RecordSelection { KeyGlob = "*", Keys = keys.Distinct(Grep.ByteSequenceComparer.Instance).ToArray(), CheckMd5 = true };
        var summary = await RunAsync(selection, records, cancellationToken);
        return new(records.Items.DistinctBy(r => r.KeyBytes, Grep.ByteSequenceComparer.Instance).OrderBy(r => r.Key, StringComparer.Ordinal).ToArray(), summary);
    }

    /// <summary>
    /// Two phases: the headers of the matching records grouped by md5 (largest group first), then one
    /// record per group fetched as its sample. A sample whose md5 is no longer the group's (its host
    /// pushed again in between) is not used: the group's next member is fetched instead.
    /// </summary>
    /// <remarks>Holds every group's sample at once; <see cref="GroupAsync"/> and <see cref="SampleEachAsync"/> stream them.</remarks>
    public async Task<Md5Grouping> GroupByMd5Async(string objectPattern, CancellationToken cancellationToken = default)
    {
        var grouping = await GroupAsync(objectPattern, cancellationToken);
        var fetches = new List<ExtractSummary>();
        var sampled = new List<Md5Group>(grouping.Groups.Count);
        await SampleEachAsync(grouping.Groups, fetches, sampled.Add, cancellationToken);
        return grouping with { Groups = sampled, Fetches = fetches };
    }

    /// <summary>Phase 1 alone: the headers of the matching records grouped by md5, largest group first; no sample yet.</summary>
    public async Task<Md5Grouping> GroupAsync(string objectPattern, CancellationToken cancellationToken = default)
    {
        var headers = await ReadMetadataAsync(objectPattern, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return new Md5Grouping(Md5Grouping.Group(headers.Items), headers.Summary, []);
    }

    /// <summary>Samples fetched per phase-2 round: a few groups' records at a time, so memory holds a batch, not the fleet.</summary>
    private const long SampleBatchBytes = 64L << 20;

    /// <summary>Members tried per group before its sample is given up (all re-pushed, or expired).</summary>
    private const int SampleTries = 8;

    /// <summary>
    /// Phase 2: each group with its sample, handed to <paramref name="use"/> in the order given,
    /// fetched a batch of groups at a time (each batch's fetch summary is added to
    /// <paramref name="fetches"/>). A fetched record whose md5 is no longer its group's (its host
    /// pushed again in between) is not used: the group's next member is fetched, up to 8; a group
    /// left without a sample is handed over with <c>Sample</c> null. Nothing here keeps a sample
    /// once <paramref name="use"/> returns (an async iterator would keep its last item as Current
    /// while the next batch is fetched).
    /// </summary>
    public async Task SampleEachAsync(IReadOnlyList<Md5Group> groups, ICollection<ExtractSummary> fetches, Action<Md5Group> use, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(use);
        foreach (var batch in Batches(groups))
        {
            var sampled = await SampleBatchAsync(batch, fetches, cancellationToken);
            for (var i = 0; i < sampled.Length; i++)
            {
                use(sampled[i]);
                sampled[i] = null!;
            }
            ReleaseBatch(batch.Sum(g => g.Length));
        }
    }

    /// <summary>The groups cut into runs of at most <see cref="SampleBatchBytes"/> (a larger group alone).</summary>
    private static IEnumerable<List<Md5Group>> Batches(IReadOnlyList<Md5Group> groups)
    {
        var batch = new List<Md5Group>();
        long bytes = 0;
        foreach (var group in groups)
        {
            if (batch.Count > 0 && bytes + group.Length > SampleBatchBytes)
            {
                yield return batch;
                batch = [];
                bytes = 0;
            }
            batch.Add(group);
            bytes += group.Length;
        }
        yield return batch;
    }

    /// <summary>
    /// A batch's samples (and its decoders' buffers) are garbage once used; when they were large,
    /// they are collected now. Left to itself the GC, seeing free memory, let 28 samples of 120 MB
    /// each pile up to 2 GB, where a query may take 300 MB.
    /// </summary>
    private static void ReleaseBatch(long bytes)
    {
        if (bytes >= SampleBatchBytes / 2)
        {
            GC.Collect();
        }
    }

    private async Task<Md5Group[]> SampleBatchAsync(IReadOnlyList<Md5Group> batch, ICollection<ExtractSummary> fetches, CancellationToken cancellationToken)
    {
        var groups = batch.ToArray();
        var next = new int[groups.Length];
        for (var tries = 1; ; tries = Math.Min(tries * 2, SampleTries))
        {
            var wanted = Enumerable.Range(0, groups.Length)
                .Where(i => groups[i].Sample is null && next[i] < Math.Min(groups[i].Count, SampleTries))
                .SelectMany(i => groups[i].Members.Skip(next[i]).Take(Math.Min(tries, SampleTries - next[i])).Select(m => (Group: i, Key: m.KeyBytes)))
                .ToList();
            if (wanted.Count == 0)
            {
                return groups;
            }
            var fetched = await FetchAsync(wanted.Select(w => w.Key), cancellationToken);
            // The decoders' buffers are garbage now: gone before the caller diffs the samples.
            ReleaseBatch(batch.Sum(g => g.Length));
            fetches.Add(fetched.Summary);
            cancellationToken.ThrowIfCancellationRequested();
            var byKey = fetched.Items.ToDictionary(r => r.KeyBytes, Grep.ByteSequenceComparer.Instance);
            foreach (var (group, key) in wanted)
            {
                next[group]++;
                var g = groups[group];
                if (g.Sample is null && byKey.TryGetValue(key, out var record) && record.Header.Md5 == g.Md5 && record.Header.RawLength == g.Length)
                {
                    groups[group] = g with { Sample = record };
                }
            }
        }
    }

    /// <summary>
    /// Replica drift: for each core in scope (in order of its id), the records matching
    /// <paramref name="objectPattern"/> are read from every server of the core on its own (headers
    /// only, each server's own key catalog or SCAN), and each key's copies are compared by md5. A key
    /// some servers lack is a <see cref="ReplicaProblem.Missing"/> row; copies whose md5s differ, or
    /// a copy whose header is corrupt, a <see cref="ReplicaProblem.Different"/> row. A core with one
    /// server, or a Redis Cluster, is yielded as skipped. Cores are read one after the other, so
    /// memory holds one core's keys × servers.
    /// </summary>
    /// <remarks>
    /// Every server to compare is connected before anything is read: one that does not answer is an
    /// error unless the targeting allows partial answers, which leaves it out (with the others of its
    /// core still compared, if two remain). A server lost during its read is treated the same way.
    /// Ends with an error when no core could be compared, or when no key matched on any compared one.
    /// </remarks>
    public async IAsyncEnumerable<CoreVerification> VerifyReplicasAsync(string objectPattern, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var cores = Cores.OrderBy(c => c.Id, StringComparer.Ordinal).ToArray();
        var failed = await ConnectReplicasAsync(cores.Where(Comparable).SelectMany(c => c.Servers.Select(s => (c, s))), cancellationToken);
        var selection = Select(objectPattern, RecordReadMode.Header);
        var skipped = new List<string>();
        var compared = 0;
        long keys = 0;
        foreach (var core in cores)
        {
            var verification = await VerifyCoreAsync(core, selection, failed, cancellationToken);
            if (verification.Skipped is { } why)
            {
                skipped.Add($"{core.Id}: {why}");
            }
            else
            {
                compared++;
                keys += verification.Keys;
            }
            yield return verification;
        }
        if (compared == 0)
        {
            throw Errors.NothingToVerify(skipped);
        }
        if (keys == 0)
        {
            var asked = cores.Where(Comparable).SelectMany(c => c.Servers).Select(s => s.ToString());
            throw selection.Hosts is null ? Errors.NothingMatched(objectPattern, asked) : Errors.NothingMatchedAmongHosts(objectPattern, selection.Hosts.Description, asked);
        }
    }

    /// <summary>A core whose servers are replicas to compare: two or more, and not one cluster.</summary>
    private static bool Comparable(Core core) => !core.IsCluster && core.Servers.Count > 1;

    /// <summary>Connects to every server at once; returns those that did not answer, with the reason. Throws for them unless partial answers are allowed.</summary>
    private async Task<Dictionary<ServerAddress, string>> ConnectReplicasAsync(IEnumerable<(Core Core, ServerAddress Server)> servers, CancellationToken cancellationToken)
    {
        var attempts = servers.Select(async x =>
        {
            try
            {
                await _connections.QueryServerAsync(x.Server, cancellationToken);
                return (x.Core, x.Server, Failure: (SysopsFastException?)null);
            }
            catch (SysopsFastException e)
            {
                return (x.Core, x.Server, Failure: e);
            }
        }).ToArray();
        var failed = (await Task.WhenAll(attempts)).Where(a => a.Failure is not null).ToArray();
        if (failed.Length > 0 && !Targeting.AllowPartial)
        {
            throw Errors.ReplicasUnavailable(failed.Select(f => $"{f.Core.Id} ({f.Server}: {Errors.Brief(f.Failure!)})"), failed[0].Failure);
        }
        return failed.ToDictionary(f => f.Server, f => Errors.Brief(f.Failure!));
    }

    private async Task<CoreVerification> VerifyCoreAsync(Core core, RecordSelection selection, Dictionary<ServerAddress, string> failed, CancellationToken cancellationToken)
    {
        if (core.IsCluster)
        {
            return CoreVerification.Skip(core, "it is a Redis Cluster, whose primaries hold different keys (its own replication keeps their replicas)", []);
        }
        if (core.Servers.Count < 2)
        {
            return CoreVerification.Skip(core, "it has one server, nothing to compare", []);
        }
        var leftOut = core.Servers.Where(failed.ContainsKey).Select(s => $"{s}: {failed[s]}").ToList();
        var servers = core.Servers.Where(s => !failed.ContainsKey(s)).ToArray();
        if (servers.Length < 2)
        {
            return CoreVerification.Skip(core, "only one of its servers answered, nothing to compare", leftOut);
        }
        var names = servers.Select(s => s.ToString()).ToArray();
        var table = new ReplicaKeyTable(servers.Length);
        // Each server on its own: no failover to a twin, no claims; a failure is seen in its summary.
        var summaries = await Task.WhenAll(servers.Select((server, i) =>
            RunAsync(selection, table.Collector(i), [new CoreTarget(core with { Servers = [server] }, [server])], allowPartial: true, cancellationToken)));
        cancellationToken.ThrowIfCancellationRequested();
        var lost = Enumerable.Range(0, servers.Length).Where(i => summaries[i].CoresMissing.Count > 0).ToArray();
        if (lost.Length > 0 && !Targeting.AllowPartial)
        {
            throw Errors.ReplicasUnavailable(lost.SelectMany(i => summaries[i].CoresMissing));
        }
        // Each entry is "core (server: reason)", the core being this one narrowed to the server.
        leftOut.AddRange(lost.SelectMany(i => summaries[i].CoresMissing).Select(m => m.StartsWith(core.Id + " (", StringComparison.Ordinal) && m.EndsWith(')') ? m[(core.Id.Length + 2)..^1] : m));
        var kept = Enumerable.Range(0, servers.Length).Except(lost).ToArray();
        // The servers were read at once: the core took as long as the slowest, not their sum.
        var combined = ExtractSummary.Combine(summaries) with { Elapsed = summaries.Max(x => x.Elapsed) };
        if (kept.Length < 2)
        {
            return CoreVerification.Skip(core, "only one of its servers answered, nothing to compare", leftOut) with { Summary = Reported(combined, core, [], leftOut) };
        }
        var rows = table.Compare(core.Id, names, kept, out var keys);
        var comparedNames = kept.Select(i => names[i]).ToArray();
        return new CoreVerification(core, comparedNames, keys, rows, Reported(combined, core, comparedNames, leftOut)) { LeftOut = leftOut };
    }

    /// <summary>
    /// The servers' read summaries as one core's: corrupt copies are rows (not errors); the core
    /// answered from the servers compared, and one compared without a server left out is a partial
    /// answer (a core none of whose servers could be compared is missing).
    /// </summary>
    private static ExtractSummary Reported(ExtractSummary combined, Core core, IReadOnlyList<string> compared, IReadOnlyList<string> leftOut) => combined with
    {
        Corrupt = [],
        CoresAnswered = compared.Count > 0 ? [$"{core.Id}: {string.Join(", ", compared)}"] : [],
        CoresMissing = compared.Count == 0 ? CoreVerification.Missing(core, leftOut) : [],
        Warnings = compared.Count > 0 && leftOut.Count > 0
            ? [.. combined.Warnings, $"PARTIAL ANSWER: core {core.Id} compared without {(leftOut.Count == 1 ? "a server" : "servers")} ({string.Join("; ", leftOut)})"]
            : combined.Warnings,
    };

    /// <summary>
    /// `dict train`: for each core in scope (in order of its id), a compression dictionary trained per
    /// object matching <paramref name="objectPattern"/> from the records of up to
    /// <see cref="Fleet.DictionaryTrainer.SamplesPerObject"/> of its hosts, published on every server
    /// of the core when it saves enough over the current one (docs/FORMAT.md). One row per object, as
    /// each is done; what was read is added to <paramref name="reads"/>.
    /// </summary>
    public async IAsyncEnumerable<Fleet.DictionaryTrainingRow> TrainDictionariesAsync(string objectPattern, ICollection<ExtractSummary> reads, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reads);
        var rows = 0;
        foreach (var core in Cores.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            await foreach (var row in new Fleet.CoreDictionaryTrainer(this, core).RunAsync(objectPattern, reads, cancellationToken))
            {
                rows++;
                yield return row;
            }
        }
        if (rows == 0 && reads.All(r => r.CoresMissing.Count == 0 && !r.Partial))
        {
            throw Errors.NothingMatched(objectPattern, Servers.Select(s => s.ToString()));
        }
    }

    /// <summary>Runs a selection over one core only (its servers as any query picks them).</summary>
    internal Task<ExtractSummary> RunOnCoreAsync(Core core, RecordSelection selection, IRecordProcessorFactory processors, CancellationToken cancellationToken) =>
        RunAsync(selection, processors, CoreTarget.Plan([core], Targeting.NoLoadBalance, Targeting.Random), Targeting.AllowPartial, cancellationToken);

    /// <summary>
    /// `dict list`: the dictionaries of every server of the cores in scope (a cluster: its first
    /// seed), each object's current one first, then those still listed for readers; a server that
    /// cannot be read is a row with its error.
    /// </summary>
    public async Task<IReadOnlyList<DictionaryEntry>> ListDictionariesAsync(CancellationToken cancellationToken = default)
    {
        var servers = Cores.OrderBy(c => c.Id, StringComparer.Ordinal).SelectMany(c => (c.IsCluster ? c.Servers.Take(1) : c.Servers).Select(s => (Core: c, Server: s)));
        var perServer = await Task.WhenAll(servers.Select(async x =>
        {
            try
            {
                var db = await _connections.DatabaseAsync(x.Server, cancellationToken);
                return await DictionaryStore.DescribeAsync(db, x.Core.Id, x.Server.ToString());
            }
            catch (Exception e) when (RedisFailure.From(x.Server.ToString(), e) is not null)
            {
                return [new DictionaryEntry(x.Core.Id, x.Server.ToString(), null, 0) { Error = Errors.Brief(e) }];
            }
        }));
        return [.. perServer.SelectMany(e => e)];
    }

    /// <summary>INFO of every server of the cores in scope (each primary of a cluster); one that cannot be reached is reported, not thrown.</summary>
    public async Task<IReadOnlyList<ServerInfo>> InfoAsync(CancellationToken cancellationToken = default)
    {
        var answers = await Task.WhenAll(Servers.Select(async server =>
        {
            try
            {
                var db = await _connections.QueryServerAsync(server, cancellationToken);
                return (await db.InfoAsync()).Select(n => n.Info is null
                    ? new ServerInfo(server.ToString(), n.Node, new Dictionary<string, string>(), "not connected")
                    : ServerInfo.Parse(server, n.Node, n.Info)).ToArray();
            }
            catch (Exception e) when (RedisFailure.From(server.ToString(), e) is not null)
            {
                return [new ServerInfo(server.ToString(), server.ToString(), new Dictionary<string, string>(), Errors.Brief(e))];
            }
        }));
        return answers.SelectMany(a => a).ToArray();
    }

    /// <summary>
    /// Publishes <paramref name="message"/> on <paramref name="channel"/> of every server asked, as the
    /// original did with each query's cost; a server that refuses is skipped (the answer is already given).
    /// </summary>
    /// <param name="servers">The servers that answered (<see cref="ServerCost.Server"/>); others are not contacted.</param>
    public Task PublishAsync(string channel, string message, IEnumerable<string> servers, CancellationToken cancellationToken = default) =>
        // Publishing the cost is a courtesy to subscribers; the query's answer does not depend on it.
        AfterAnswerAsync(servers, (db, _) => db.PublishAsync(channel, message), cancellationToken);

    /// <summary>
    /// Runs <paramref name="action"/> on each of <paramref name="servers"/> (those that answered) at
    /// once, each bounded by a short wait: the answer is already printed and must not wait on this.
    /// </summary>
    /// <returns>"server: why" for each server where it failed.</returns>
    private async Task<IReadOnlyList<string>> AfterAnswerAsync(IEnumerable<string> servers, Func<IQueryServer, ServerAddress, Task> action, CancellationToken cancellationToken)
    {
        var asked = Servers.Where(s => servers.Contains(s.ToString(), StringComparer.Ordinal)).ToArray();
        var failures = await Task.WhenAll(asked.Select(async server =>
        {
            try
            {
                var db = await _connections.QueryServerAsync(server, cancellationToken);
                await action(db, server).WaitAsync(PublishTimeout, cancellationToken);
                return null;
            }
            catch (Exception e) when (RedisFailure.From(server.ToString(), e) is not null || e is OperationCanceledException)
            {
                return $"{server}: {Errors.Brief(e)}";
            }
        }));
        return [.. failures.OfType<string>()];
    }

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Appends <paramref name="entry"/> on each server touched to the audit stream of the user it was
    /// reached as (the only one that user may append to). The answer is already given, so a server
    /// that refuses does not fail the query.
    /// </summary>
    /// <param name="servers">The servers that answered (<see cref="ServerCost.Server"/>).</param>
    /// <returns>"server: why" for each server that did not record it.</returns>
    public Task<IReadOnlyList<string>> AuditAsync(AuditEntry entry, IEnumerable<string> servers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var fields = entry.Fields();
        return AfterAnswerAsync(servers, (db, server) => db.AppendToStreamAsync(AuditTrail.StreamOf(server.User ?? "default"), fields, AuditTrail.MaxLength), cancellationToken);
    }

    /// <summary>
    /// Every audit entry since <paramref name="since"/> of every user on the servers in scope, in the
    /// order the servers added them (stream ids), read and merged a page per stream at a time.
    /// </summary>
    public async IAsyncEnumerable<AuditEntry> ReadAuditAsync(DateTimeOffset since, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = Math.Max(0, since.ToUnixTimeMilliseconds() - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + "-18446744073709551615";
        var perServer = await Task.WhenAll(Servers.Select(async server =>
            await AuditStreamMerge.CursorsAsync(await _connections.QueryServerAsync(server, cancellationToken), server.ToString(), after, cancellationToken)));
        await foreach (var entry in AuditStreamMerge.MergeAsync([.. perServer.SelectMany(c => c)], cancellationToken))
        {
            yield return entry;
        }
    }

    public ValueTask DisposeAsync()
    {
        _dictionaries.Dispose();
        return _connections.DisposeAsync();
    }
}
