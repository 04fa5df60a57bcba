using SysopsFast.Compare;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Pipeline;
using SysopsFast.Redis;

namespace SysopsFast.Query;

/// <summary>One key whose object's contents changed since a time: its record now, and its version's header then.</summary>
/// <param name="Now">The key and its current header.</param>
/// <param name="Then">The header of the version current at the time; null when none kept was (<see cref="IsNew"/>).</param>
public sealed record KeyChange(RecordMetadata Now, RecordHeader? Then)
{
    /// <summary>No version kept was current at the time: the object was created since, or its history no longer reaches back.</summary>
    public bool IsNew => Then is null;

    /// <summary>The key (for printing; see <see cref="RecordMetadata.Key"/>).</summary>
    public string Key => Now.Key;
}

/// <summary>The keys that changed since a time, sorted by key, with what was read to find them (and their diffs).</summary>
public sealed record ChangeListing(IReadOnlyList<KeyChange> Items, IReadOnlyList<ExtractSummary> Summaries);

/// <summary>
/// kv drift over time: one key=value key whose value went from <paramref name="Before"/> to
/// <paramref name="After"/> on <paramref name="Count"/> hosts (records); null is absent.
/// </summary>
/// <param name="Key">The key=value key (<c>section.key</c> after an ini section).</param>
/// <param name="Before">Its value at the time; null: the object then lacked the key (or did not exist).</param>
/// <param name="After">Its value now; null: the object now lacks the key.</param>
/// <param name="Count">Records (hosts) that made this change.</param>
/// <param name="Hosts">The first hosts of those in sorted order, as many as asked (<see cref="KeyValueRequest.SampleHosts"/>).</param>
public sealed record KeyValueChange(string Key, string? Before, string? After, long Count, IReadOnlyList<string> Hosts);

/// <summary>
/// <c>--changed-since TIME</c>: which objects changed since a time (search, list-files), how
/// (<c>--diff</c>), and kv drift over time. Headers alone find the changed keys: a record stored at
/// or before the time is unchanged, and only the others' history lists are read (docs/ARCHITECTURE.md);
/// diffs and kv then read whole records of the changed keys only, now and as of the time.
/// </summary>
public sealed class FleetChanges
{
    /// <summary>Changed keys whose records (now and then) are held at once while diffing or parsing them.</summary>
    private const int KeysPerChunk = 256;

    private readonly FleetQuery _fleet;

    internal FleetChanges(FleetQuery fleet) => _fleet = fleet;

    /// <summary>
    /// The keys matching <paramref name="objectPattern"/> whose contents at <paramref name="since"/>
    /// differ (md5) from now, sorted; a key with no version current then counts, as new. A→B→A is
    /// unchanged. Only 120-byte headers are read (records and history entries).
    /// </summary>
    /// <exception cref="SysopsFastException">The query is as of a time (<see cref="FleetQuery.AsOf"/>).</exception>
    public async Task<ChangeListing> SinceAsync(string objectPattern, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        var (changes, summary) = await ChangedAsync(objectPattern, since, cancellationToken);
        _fleet.Audit.Record("changed-since", objectPattern, Label(since), [summary]);
        return new ChangeListing(changes, [summary]);
    }

    /// <summary>
    /// As <see cref="SinceAsync"/>, each changed key handed to <paramref name="use"/> in key order with
    /// the unified diff of its version at the time (labelled <c>KEY@TIME</c>; <c>/dev/null</c> for a
    /// new key) against its current record; null when there is nothing to diff (a new empty object).
    /// Whole records are read for the changed keys only, a chunk at a time; each version is checked
    /// against its md5. A key gone since it was found, or whose version then cannot be rebuilt
    /// (said in the summaries' warnings), is skipped.
    /// </summary>
    /// <param name="objectPattern">The objects, as for search.</param>
    /// <param name="since">The time to compare with.</param>
    /// <param name="use">Gets each changed key and its diff, in key order.</param>
    /// <param name="minimal">Insist on the shortest diff, as <c>diff --minimal</c>.</param>
    /// <param name="cancellationToken">Stops the query; it then throws <see cref="OperationCanceledException"/>.</param>
    public async Task<ChangeListing> DiffSinceAsync(string objectPattern, DateTimeOffset since, Action<KeyChange, byte[]?> use, bool minimal = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(use);
        var (changes, summary) = await ChangedAsync(objectPattern, since, cancellationToken);
        var summaries = new List<ExtractSummary> { summary };
        foreach (var chunk in changes.Chunk(KeysPerChunk))
        {
            var (now, then) = await ReadBothAsync(chunk, since, summaries, cancellationToken);
            foreach (var change in chunk)
            {
                if (Pair(change, now, then, since) is var (before, current))
                {
                    use(change, Comparisons.Contents(before, current, current.Key, new DiffBudget(), new DiffSearch(minimal, cancellationToken)));
                }
            }
        }
        _fleet.Audit.Record("changed-since --diff", objectPattern, Label(since), summaries);
        return new ChangeListing(changes, summaries);
    }

    /// <summary>
    /// kv drift over time: every key=value key (matching the request's key glob) whose value at
    /// <paramref name="since"/> differs from now on some host, as one row per (key, value then, value
    /// now) with its host count: by key (ordinal), most hosts first. Only the hosts whose object
    /// changed are parsed, both versions; a new object's keys were all absent. An object stored
    /// without its contents (over the size cap) on either side is skipped.
    /// </summary>
    public async Task<QueryListing<KeyValueChange>> KeyValuesSinceAsync(KeyValueRequest request, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.SampleHosts < 0)
        {
            throw Errors.BadArgument("the number of hosts to show per value must be 0 or more");
        }
        var (changes, summary) = await ChangedAsync(request.ObjectPattern, since, cancellationToken);
        var summaries = new List<ExtractSummary> { summary };
        var drift = new KeyValueChangeTally(KeyGlob.Parse(request.KeyGlob), request.SampleHosts);
        foreach (var chunk in changes.Chunk(KeysPerChunk))
        {
            var (now, then) = await ReadBothAsync(chunk, since, summaries, cancellationToken);
            foreach (var change in chunk)
            {
                if (Pair(change, now, then, since) is var (before, current) && ((before.Header.Flags | current.Header.Flags) & RecordFlags.Omitted) == 0)
                {
                    drift.Add(change.Now.Host, before.Contents, current.Contents, current.KeyBytes);
                }
            }
        }
        _fleet.Audit.Record("kv --changed-since", request.ObjectPattern, request.KeyGlob ?? "", summaries);
        return new QueryListing<KeyValueChange>(drift.Rows(), ExtractSummary.Combine(summaries));
    }

    /// <summary>The changed keys, sorted, and what reading their headers cost.</summary>
    private async Task<(List<KeyChange> Changes, ExtractSummary Summary)> ChangedAsync(string objectPattern, DateTimeOffset since, CancellationToken cancellationToken)
    {
        if (_fleet.AsOf is not null)
        {
            throw Errors.BadArgument("what changed since a time cannot be asked of the fleet as it stood at another; ask one of the two");
        }
        var ledger = new ChangeLedger(since);
        var headers = new MetadataTable.Collector(headers: true);
        var summary = await _fleet.ReadAsync(_fleet.Select(objectPattern, RecordReadMode.Header) with { ChangedSince = ledger }, headers, cancellationToken);
        var sorted = headers.Sorted();
        var changes = new List<KeyChange>();
        for (var i = 0; i < sorted.Count; i++)
        {
            if (ledger.TryGet(sorted.KeyBytes(i), out var then))
            {
                changes.Add(new KeyChange(sorted[i], then));
            }
        }
        return (changes, summary);
    }

    /// <summary>The chunk's records now, and the versions at the time of those that are not new (the as-of stage rebuilds them).</summary>
    private async Task<(Dictionary<byte[], FetchedRecord> Now, Dictionary<byte[], FetchedRecord> Then)> ReadBothAsync(KeyChange[] chunk, DateTimeOffset since, List<ExtractSummary> summaries, CancellationToken cancellationToken)
    {
        var now = new List<FetchedRecord>();
        summaries.Add(await _fleet.Unaudited.FetchVersionsIntoAsync(chunk.Select(c => c.Now.KeyBytes), now, null, cancellationToken));
        var then = new List<FetchedRecord>();
        var old = chunk.Where(c => !c.IsNew).Select(c => c.Now.KeyBytes).ToArray();
        if (old.Length > 0)
        {
            summaries.Add(await _fleet.Unaudited.FetchVersionsIntoAsync(old, then, since, cancellationToken));
        }
        return (ByKey(now), ByKey(then));
    }

    private static Dictionary<byte[], FetchedRecord> ByKey(List<FetchedRecord> records) =>
        records.ToDictionary(r => r.KeyBytes, ByteSequenceComparer.Instance);

    /// <summary>A changed key's version then (labelled for its diff; empty for a new key) and now; null when either was not read.</summary>
    private static (FetchedRecord Before, FetchedRecord Current)? Pair(KeyChange change, Dictionary<byte[], FetchedRecord> now, Dictionary<byte[], FetchedRecord> then, DateTimeOffset since)
    {
        if (!now.TryGetValue(change.Now.KeyBytes, out var current))
        {
            return null; // gone since it was found
        }
        if (change.IsNew)
        {
            return (new FetchedRecord("/dev/null", default, []), current);
        }
        return then.TryGetValue(change.Now.KeyBytes, out var before) ? (before with { Key = change.Key + "@" + Label(since) }, current) : null;
    }

    /// <summary>A time as labels and audit entries show it: ISO 8601 UTC, seconds.</summary>
    internal static string Label(DateTimeOffset time) => Config.TimeParser.Text(time);
}
