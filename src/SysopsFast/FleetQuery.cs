using SysopsFast.Grep;
using SysopsFast.Pipeline;
using SysopsFast.Query;
using SysopsFast.Redis;
using SysopsFast.Topology;

namespace SysopsFast;

/// <summary>
/// The library's entry point: the same calls the CLI makes. Create one per process (it owns the
/// connections) and run any number of queries on it; or, to make one per request, make each on a
/// <see cref="FleetSession"/>, which keeps the connections between them.
/// </summary>
/// <remarks>
/// <para>Cancellation: every call that takes a <see cref="CancellationToken"/> throws
/// <see cref="OperationCanceledException"/> when it is cancelled, whatever it had read by then
/// (an answer cut short never returns as if complete).</para>
/// <para>Audit: every call that answers from the fleet's records appends one entry to the audit
/// stream of the Redis user on each server it read (<see cref="AuditPolicy"/>; on unless the
/// program sets <see cref="AuditPolicy.Off"/>), written after the answer returns and before the
/// query is disposed.</para>
/// </remarks>
public sealed class FleetQuery : IAsyncDisposable
{
    private readonly RedisConnections _connections;

    /// <summary>Whether disposing this query closes the connections (a narrowed query shares its parent's, a session's query the session's).</summary>
    private readonly bool _ownsConnections;

    /// <summary>
    /// Compression dictionaries loaded so far, kept for the next query (a multi-phase command runs
    /// several). Never pruned: a long-lived FleetQuery holds every dictionary it has met (≤ 64 KiB each).
    /// </summary>
    private readonly Format.CompressionDictionaries _loadedDictionaries;

    /// <summary>Where reading headers first did not pay lately: later queries skip that round trip.</summary>
    private readonly DeduplicationMemo _deduplication;

    /// <summary>The hosts a join narrowed this query to (<see cref="NarrowToHostsAsync"/>); null: the targeting's.</summary>
    private readonly HostFilter? _joined;

    /// <summary>Whether this query is the answer of a join (then finding no key is an answer, not a typo).</summary>
    private readonly bool _isJoin;

    /// <summary>What the join that made this query read: audited with its first answer.</summary>
    private IReadOnlyList<ExtractSummary> _joinReads = [];

    private FleetQuery? _unaudited;

    /// <summary>Audit entries being written after their answers; shared with the queries narrowed from this one.</summary>
    internal AuditWrites AuditWrites { get; }

    /// <summary>Each server is a core of its own (no topology).</summary>
    public FleetQuery(IEnumerable<ServerAddress> servers, ExtractOptions? options = null)
        : this(FleetTopology.FromServers(servers), new QueryTargeting(), options)
    {
    }

    /// <summary>The cores of <paramref name="topology"/> that <paramref name="targeting"/> selects.</summary>
    public FleetQuery(FleetTopology topology, QueryTargeting targeting, ExtractOptions? options = null)
        : this(topology, targeting, options, null)
    {
    }

    /// <summary>
    /// The cores of <paramref name="topology"/> that <paramref name="targeting"/> selects, read through
    /// <paramref name="session"/>'s open connections and dictionaries (the session's timeouts apply).
    /// Disposing this query leaves the session open.
    /// </summary>
    public FleetQuery(FleetTopology topology, QueryTargeting targeting, FleetSession session, ExtractOptions? options = null)
        : this(topology, targeting, options, session ?? throw new ArgumentNullException(nameof(session)))
    {
    }

    private FleetQuery(FleetTopology topology, QueryTargeting targeting, ExtractOptions? options, FleetSession? session)
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
        _connections = session?.Connections ?? new RedisConnections(Options.CommandTimeout, Options.ConnectTimeout) { ReadClusterReplicas = Options.ReadReplicas };
        _loadedDictionaries = session?.Dictionaries ?? new();
        _deduplication = session?.Deduplication ?? new();
        _ownsConnections = session is null;
        AuditWrites = new();
        Replicas = new ReplicaVerifier(this);
        Md5Groups = new Md5Sampler(this);
        Dictionaries = new DictionaryKeeper(this);
        Catalog = new CatalogKeeper(this);
        Audit = new AuditRecorder(this);
        Comparison = new FleetComparison(this);
        History = new FleetHistory(this);
        Changes = new FleetChanges(this);
    }

    /// <summary>A query narrowed from <paramref name="parent"/>: its connections and dictionaries, its targeting, hosts of its own.</summary>
    private FleetQuery(FleetQuery parent, HostFilter? joined, IReadOnlyList<ExtractSummary> joinReads, AuditPolicy audit)
    {
        Topology = parent.Topology;
        Targeting = parent.Targeting;
        Cores = parent.Cores;
        Servers = parent.Servers;
        Options = parent.Options;
        _connections = parent._connections;
        _loadedDictionaries = parent._loadedDictionaries;
        _deduplication = parent._deduplication;
        AuditWrites = parent.AuditWrites;
        _ownsConnections = false;
        _joined = joined;
        _isJoin = parent._isJoin || joinReads.Count > 0;
        _joinReads = joinReads;
        AuditPolicy = audit;
        AsOf = parent.AsOf;
        Replicas = new ReplicaVerifier(this);
        Md5Groups = new Md5Sampler(this);
        Dictionaries = new DictionaryKeeper(this);
        Catalog = new CatalogKeeper(this);
        Audit = new AuditRecorder(this);
        Comparison = new FleetComparison(this);
        History = new FleetHistory(this);
        Changes = new FleetChanges(this);
    }

    /// <summary>
    /// Whether and how answers are recorded in the audit trail: <see cref="AuditPolicy.On"/> unless
    /// the program says otherwise (<c>new FleetQuery(servers) { AuditPolicy = AuditPolicy.Off }</c>).
    /// </summary>
    public AuditPolicy AuditPolicy { get; init; } = AuditPolicy.On;

    /// <summary>
    /// Answer as the fleet would have at this time (<c>--as-of</c>): every record read is the version
    /// its history kept from then, and a key with none is left out (said in the summary's warnings).
    /// Null: the latest data. Exact for every version kept (docs/FORMAT.md, "History").
    /// </summary>
    public DateTimeOffset? AsOf { get; init; }

    /// <summary>The same query with auditing off: for the library's own reads inside a call that is audited once.</summary>
    internal FleetQuery Unaudited => _unaudited ??= AuditPolicy.Enabled ? new FleetQuery(this, _joined, [], AuditPolicy.Off) : this;

    /// <summary>The join's reads not yet audited (empty after the first answer).</summary>
    internal IReadOnlyList<ExtractSummary> TakeJoinReads() => Interlocked.Exchange(ref _joinReads, []);

    /// <summary>The fleet's cores and their servers, as given.</summary>
    public FleetTopology Topology { get; }

    /// <summary>Which of the topology's cores and hosts this query reads, and how (scope, site, hosts, partial answers).</summary>
    public QueryTargeting Targeting { get; }

    /// <summary>Replica verification: each key's copies compared across the servers of its core.</summary>
    public ReplicaVerifier Replicas { get; }

    /// <summary>The matching records grouped by md5, and one sample fetched per group.</summary>
    public Md5Sampler Md5Groups { get; }

    /// <summary>The fleet's compression dictionaries: listed, trained and published.</summary>
    public DictionaryKeeper Dictionaries { get; }

    /// <summary>The key catalog's upkeep: its host-name index built.</summary>
    public CatalogKeeper Catalog { get; }

    /// <summary>The audit trail (appended after each answer, read back) and the cost channel.</summary>
    public AuditRecorder Audit { get; }

    /// <summary><c>compare</c> and <c>compare-all</c>: one object against the others, or md5 groups against the majority.</summary>
    public FleetComparison Comparison { get; }

    /// <summary><c>history</c>: the versions each object's history keeps, and one object's versions with their contents.</summary>
    public FleetHistory History { get; }

    /// <summary><c>--changed-since</c>: the objects whose contents changed since a time, their diffs, and kv drift over time.</summary>
    public FleetChanges Changes { get; }

    /// <summary>The cores in scope.</summary>
    public IReadOnlyList<Core> Cores { get; }

    /// <summary>Servers given as text (<c>redis://host:port</c> or <c>host:port</c>).</summary>
    public FleetQuery(params string[] servers) : this(servers.Select(ServerAddress.Parse)) { }

    /// <summary>Every server of the cores in scope.</summary>
    public IReadOnlyList<ServerAddress> Servers { get; }

    /// <summary>How records are read (workers, batch sizes, timeouts, progress counters).</summary>
    public ExtractOptions Options { get; }

    internal RedisConnections Connections => _connections;

    /// <summary>The dictionaries and bases loaded so far (history reads its records outside the pipeline).</summary>
    internal Format.CompressionDictionaries LoadedDictionaries => _loadedDictionaries;

    /// <summary>Greps every record whose key matches the object pattern and feeds the sinks.</summary>
    public async Task<GrepResult> GrepAsync(GrepRequest request, IGrepSinkFactory sinks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await GrepUnauditedAsync(request, sinks, cancellationToken);
        Audit.Record("grep", request.ObjectPattern, request.Pattern, [result.Summary]);
        return result;
    }

    /// <summary>
    /// As <see cref="GrepAsync(GrepRequest, IGrepSinkFactory, CancellationToken)"/>, with the sinks
    /// made once it is known (from the key catalogs' object names, else by listing the matching keys,
    /// no value read) whether the object pattern selects more than one object of some host: <paramref name="sinks"/> is told, when a printer should
    /// name each record host#object as GNU grep names files (<c>-H</c>, <c>-c</c>, <c>-l</c>, <c>-L</c>).
    /// The listing and the grep are one query: one audit entry.
    /// </summary>
    public async Task<GrepResult> GrepAsync(GrepRequest request, Func<bool, IGrepSinkFactory> sinks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(sinks);
        // The catalogs' object names usually settle it; only when they cannot are the keys listed.
        ExtractSummary? listing = null;
        var severalPerHost = false;
        if (!await ObjectsPerHost.OneAtMostAsync(_connections, Cores, Select(request.ObjectPattern, RecordReadMode.KeyOnly), Options.ScanPageSize, cancellationToken))
        {
            var keys = await Unaudited.SearchAsync(request.ObjectPattern, cancellationToken);
            var hosts = new HashSet<string>(StringComparer.Ordinal);
            severalPerHost = keys.Items.Any(k => !hosts.Add(ObjectKey.Split(k).Host));
            listing = keys.Summary;
        }
        var result = await GrepUnauditedAsync(request, sinks(severalPerHost), cancellationToken);
        Audit.Record("grep", request.ObjectPattern, request.Pattern, listing is null ? [result.Summary] : [listing, result.Summary]);
        return result;
    }

    /// <summary>The grep itself, not audited; unless told to throw, a cancelled grep returns what it read (its summary says Partial).</summary>
    private async Task<GrepResult> GrepUnauditedAsync(GrepRequest request, IGrepSinkFactory sinks, CancellationToken cancellationToken, bool throwIfCancelled = true)
    {
        var matcher = request.CreateMatcher();
        sinks = request.OnlyMatching ? new OnlyMatchingSinkFactory(sinks, matcher) : sinks;
        var oldest = request.MaxAge is { } age ? DateTimeOffset.UtcNow.Add(-age).ToUnixTimeMilliseconds() : long.MinValue;
        var processors = new GrepRecordProcessorFactory(matcher, request.Invert, sinks, oldest, request.Limits);
        // Grep reads only contents, so records with the same md5 may be fetched once (the header
        // fields that differ, such as mtime, are not looked at) — unless the age of each counts.
        var summary = await RunAsync(request.ObjectPattern, processors, Options.DeduplicateIdenticalContents && request.MaxAge is null, cancellationToken, throwIfCancelled: throwIfCancelled);
        return new GrepResult(summary, processors.RecordsWithSelection, processors.SelectedLines)
        {
            Stale = processors.Stale,
            Omitted = processors.Omitted,
            OmittedKeys = processors.FirstOmitted,
        };
    }

    /// <summary><c>grep --uniq</c>: identical selected lines counted across the fleet, most frequent first.</summary>
    /// <param name="sampleHosts">Hosts to keep per line (<see cref="UniqCount.Hosts"/>); <see cref="int.MaxValue"/> for all.</param>
    /// <param name="request">What to select, as for <see cref="GrepAsync(GrepRequest, IGrepSinkFactory, CancellationToken)"/>.</param>
    /// <param name="cancellationToken">Stops the query; it then throws <see cref="OperationCanceledException"/>.</param>
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
        Audit.Record("kv", request.ObjectPattern, request.KeyGlob ?? "", [summary]);
        return new(rows, summary);
    }

    /// <summary>Lines <see cref="GrepLinesAsync"/> holds for a consumer that has not read them yet.</summary>
    internal const int LineChannelCapacity = 4096;

    /// <summary>
    /// The selected lines as they are found, in no particular order across hosts. Breaking out of the
    /// loop stops the query. Errors (unreachable server, …) are thrown from the enumeration, and so
    /// is cancellation (OperationCanceledException): an answer cut short never ends as if complete.
    /// Audited once when the enumeration ends, also when the consumer stopped early (what was read
    /// by then), not when cancelled.
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
                // Not thrown when stopped: a consumer that stopped early read lines, and is audited.
                var result = await GrepUnauditedAsync(request, new ChannelSinkFactory(channel.Writer), stop.Token, throwIfCancelled: false);
                cancellationToken.ThrowIfCancellationRequested();
                channel.Writer.TryComplete();
                return result.Summary;
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
                return null;
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
            if (await query is { } read && !cancellationToken.IsCancellationRequested)
            {
                Audit.Record("grep", request.ObjectPattern, request.Pattern, [read]);
            }
        }
    }

    /// <summary>Runs any record processor over the records whose key matches <paramref name="objectPattern"/>.</summary>
    /// Each record comes with its own header (dump needs each host's mode and mtime), so nothing is
    /// deduplicated; its contents are handed on whole, so they are checked against its md5.
    public async Task<ExtractSummary> RunAsync(string objectPattern, IRecordProcessorFactory processors, CancellationToken cancellationToken = default)
    {
        var summary = await RunAsync(objectPattern, processors, deduplicate: false, cancellationToken, checkMd5: true);
        Audit.Record("run", objectPattern, "", [summary]);
        return summary;
    }

    private async Task<ExtractSummary> RunAsync(string objectPattern, IRecordProcessorFactory processors, bool deduplicate, CancellationToken cancellationToken, bool checkMd5 = false, bool throwIfCancelled = true)
    {
        var selection = Select(objectPattern, RecordReadMode.Contents) with { Deduplicate = deduplicate, CheckMd5 = checkMd5 };
        var summary = await ReadAsync(selection, processors, cancellationToken, throwIfCancelled);
        // After a join, no key is a possible answer ("no host satisfies it"), not a typo; and with a
        // core missing (allowed partial) the keys may be there: its warning says so.
        if (summary.KeysDiscovered == 0 && summary.CoresMissing.Count == 0 && !_isJoin)
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
    public async Task<ExtractSummary> RunAsync(RecordSelection selection, IRecordProcessorFactory processors, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(selection);
        var summary = await ReadAsync(selection, processors, cancellationToken);
        Audit.Record("run", selection.KeyGlob, "", [summary]);
        return summary;
    }

    /// <summary>A selection read with the query's own plan; not audited (the caller's answer is).</summary>
    internal Task<ExtractSummary> ReadAsync(RecordSelection selection, IRecordProcessorFactory processors, CancellationToken cancellationToken, bool throwIfCancelled = true) =>
        RunOnTargetsAsync(selection, processors, CoreTarget.Plan(Cores, Targeting.NoLoadBalance, Targeting.Random), Targeting.AllowPartial, cancellationToken, throwIfCancelled);

    /// <summary>
    /// Runs a selection over the given targets (each server as the plan says), not the query's own
    /// plan; unless told to throw, a cancelled read returns its summary (Partial).
    /// </summary>
    internal async Task<ExtractSummary> RunOnTargetsAsync(RecordSelection selection, IRecordProcessorFactory processors, IReadOnlyList<CoreTarget> targets, bool allowPartial, CancellationToken cancellationToken, bool throwIfCancelled = true)
    {
        ArgumentNullException.ThrowIfNull(selection);
        var source = new RedisRecordSource(_connections, targets, selection, Options, allowPartial, _loadedDictionaries) { Deduplication = _deduplication };
        var summary = await ExtractPipeline.RunAsync(source, processors, Options, cancellationToken);
        // The pipeline returns what it read when cancelled; the API's one contract is to throw.
        if (throwIfCancelled)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }
        return summary;
    }

    /// <summary>The selection of an object pattern under this query's targeting (host restrictions, --scan).</summary>
    public RecordSelection Select(string objectPattern, RecordReadMode mode) => new()
    {
        KeyGlob = ObjectKey.ToKeyGlob(objectPattern),
        Mode = mode,
        Hosts = _joined ?? (Targeting.Hosts is { IsEmpty: false } filter ? filter : null),
        Scan = Targeting.Scan,
        AsOf = AsOf,
    };

    /// <summary>
    /// Joins by host: computes, for each condition, the hosts whose object matches (one pass over
    /// that object, through the same pipeline and matchers as grep), and returns a new query
    /// (<see cref="HostJoin.Query"/>) that covers only the hosts in this one's scope that satisfy
    /// all of them; this query keeps its meaning. A host that does not hold the condition's object
    /// does not satisfy "having" and does satisfy "lacking".
    /// </summary>
    /// <remarks>
    /// The narrowed query shares this one's connections: this one owns them. Disposing the narrowed
    /// query closes nothing; use it only while this one is not disposed. The join's reads are
    /// audited with the narrowed query's first answer (one entry for the join and the answer).
    /// </remarks>
    public async Task<HostJoin> NarrowToHostsAsync(IReadOnlyList<HostCondition> conditions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        var filter = _joined?.Clone() ?? Targeting.Hosts?.Clone() ?? new HostFilter();
        var results = new List<(HostCondition, int)>();
        var summaries = new List<ExtractSummary>();
        foreach (var condition in conditions)
        {
            var collector = new MatchingHostCollector(MatcherFactory.Create(condition.Text, condition.Regex, condition.IgnoreCase));
            // Only the hosts already in scope are read; identical contents are read once.
            var selection = Select(condition.ObjectPattern, RecordReadMode.Contents) with { Deduplicate = Options.DeduplicateIdenticalContents };
            summaries.Add(await ReadAsync(selection, collector, cancellationToken));
            _ = condition.Having ? filter.RequireOneOf(collector.Hosts) : filter.Exclude(collector.Hosts);
            results.Add((condition, collector.Hosts.Count));
        }
        var narrowed = conditions.Count == 0 ? _joined : filter.IsEmpty ? null : filter;
        return new HostJoin(results, summaries, new FleetQuery(this, narrowed, [.. TakeJoinReads(), .. summaries], AuditPolicy));
    }

    /// <summary>The keys matching <paramref name="objectPattern"/>, sorted (ordinal); no value is read.</summary>
    public async Task<QueryListing<string>> SearchAsync(string objectPattern, CancellationToken cancellationToken = default)
    {
        var keys = new MetadataTable.Collector(headers: false);
        var summary = await ReadAsync(Select(objectPattern, RecordReadMode.KeyOnly), keys, cancellationToken);
        Audit.Record("search", objectPattern, "", [summary]);
        return new(keys.SortedKeys(), summary);
    }

    /// <summary>The headers of the matching records, sorted by key: only 120 bytes of each cross the wire.</summary>
    /// <remarks>Each key once; the answer is held packed (<see cref="RecordMetadataList"/>), about 170 bytes a key.</remarks>
    public async Task<MetadataListing> ReadMetadataAsync(string objectPattern, CancellationToken cancellationToken = default)
    {
        var headers = new MetadataTable.Collector(headers: true);
        var summary = await ReadAsync(Select(objectPattern, RecordReadMode.Header), headers, cancellationToken);
        Audit.Record("list-files", objectPattern, "", [summary]);
        return new(headers.Sorted(), summary);
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
        var records = new List<FetchedRecord>();
        var summary = await FetchIntoAsync(keys, records, cancellationToken);
        records.Sort((a, b) => StringComparer.Ordinal.Compare(a.Key, b.Key));
        return new(records, summary);
    }

    /// <summary>
    /// As <see cref="FetchAsync(IEnumerable{byte[]}, CancellationToken)"/>, unsorted, into the
    /// caller's list, which is then all that holds them. The caller's code runs on in the pipeline's last worker's
    /// stack (await continuations run inline), whose frames reach this call's state and a task's
    /// result: a 120 MB record held there outlives the caller's use of it.
    /// </summary>
    internal Task<ExtractSummary> FetchIntoAsync(IEnumerable<byte[]> keys, List<FetchedRecord> into, CancellationToken cancellationToken) =>
        FetchVersionsIntoAsync(keys, into, AsOf, cancellationToken);

    /// <summary>As <see cref="FetchIntoAsync(IEnumerable{byte[]}, List{FetchedRecord}, CancellationToken)"/>, as of <paramref name="asOf"/> (null: the latest data).</summary>
    internal async Task<ExtractSummary> FetchVersionsIntoAsync(IEnumerable<byte[]> keys, List<FetchedRecord> into, DateTimeOffset? asOf, CancellationToken cancellationToken)
    {
        var records = RecordCollectors.Records();
        var selection = new RecordSelection { KeyGlob = "*", Keys = keys.Distinct(Grep.ByteSequenceComparer.Instance).ToArray(), CheckMd5 = true, AsOf = asOf };
        var summary = await ReadAsync(selection, records, cancellationToken);
        Audit.Record("fetch", string.Join(' ', selection.Keys!.Take(3).Select(k => ObjectKey.Display(k))), "", [summary]);
        AddDistinct(records, into);
        return summary;
    }

    /// <summary>A method of its own: the query's temporaries die with its frame, not with the async method's.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void AddDistinct(RecordCollector<FetchedRecord> records, List<FetchedRecord> into)
    {
        into.AddRange(records.Items.DistinctBy(r => r.KeyBytes, Grep.ByteSequenceComparer.Instance));
        records.Clear();
    }

    /// <summary>
    /// <c>search --contents</c>: the whole records matching <paramref name="objectPattern"/>, in key
    /// order, each handed to <paramref name="use"/>: headers first (120 bytes a key), then the
    /// records a chunk at a time, so memory holds a chunk, never the fleet's contents. One audit entry.
    /// </summary>
    public async Task<ContentsListing> ReadContentsAsync(string objectPattern, Action<FetchedRecord> use, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(use);
        var keys = await Unaudited.ReadMetadataAsync(objectPattern, cancellationToken);
        var summaries = new List<ExtractSummary> { keys.Summary };
        var omitted = Enumerable.Range(0, keys.Items.Count).Where(i => ContentsListing.IsOmitted(keys.Items, i)).Select(keys.Items.Key).ToArray();
        long read = 0;
        foreach (var chunk in ContentsListing.Chunks(keys.Items))
        {
            var records = await Unaudited.FetchAsync(chunk, cancellationToken);
            summaries.Add(records.Summary);
            foreach (var record in records.Items)
            {
                use(record);
            }
            read += records.Items.Count;
        }
        Audit.Record("search --contents", objectPattern, "", summaries);
        return new ContentsListing(read, omitted, keys.Items.Count - omitted.Length - read, summaries);
    }

    /// <summary>Runs a selection over one core only (its servers as any query picks them).</summary>
    internal Task<ExtractSummary> RunOnCoreAsync(Core core, RecordSelection selection, IRecordProcessorFactory processors, CancellationToken cancellationToken) =>
        RunOnTargetsAsync(selection, processors, CoreTarget.Plan([core], Targeting.NoLoadBalance, Targeting.Random), Targeting.AllowPartial, cancellationToken);

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
    /// Waits for the audit entries of the answers given (<see cref="AuditRecorder.WhenWrittenAsync"/>),
    /// then closes the connections, unless this query was narrowed from another (<see cref="NarrowToHostsAsync"/>)
    /// or made on a <see cref="FleetSession"/>, whose they are.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await AuditWrites.WhenAllAsync();
        if (!_ownsConnections)
        {
            return;
        }
        _loadedDictionaries.Dispose();
        await _connections.DisposeAsync();
    }
}
