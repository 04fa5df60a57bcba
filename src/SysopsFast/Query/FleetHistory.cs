using System.Text;
using SysopsFast.Compare;
using SysopsFast.Format;
using SysopsFast.Pipeline;
using SysopsFast.Redis;

namespace SysopsFast.Query;

/// <summary>
/// One version of an object as <c>history</c> shows it: when it was stored, its md5 and size, and
/// how the next newer version differs from it (null for the current version, and where either side
/// has no contents).
/// </summary>
/// <param name="Index">0 for the current record, 1 for the version before it, …</param>
/// <param name="Header">The version's header as it was when current (default when unreadable).</param>
/// <param name="LinesAdded">Lines the next newer version has that this one has not.</param>
/// <param name="LinesRemoved">Lines this version has that the next newer one has not.</param>
/// <param name="Error">Why the version cannot be read; null when it can.</param>
public sealed record HistoryVersion(int Index, RecordHeader Header, int? LinesAdded, int? LinesRemoved, string? Error)
{
    /// <summary>When the version was stored (its header's inserted time).</summary>
    public DateTimeOffset Inserted => DateTimeOffset.FromUnixTimeMilliseconds(Header.InsertedUnixMs);

    /// <summary>The md5 of its contents, as 32 hex digits.</summary>
    public string Md5Hex => Header.Md5.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Whether it was over the size cap when pushed (its contents were not stored).</summary>
    public bool Omitted => (Header.Flags & RecordFlags.Omitted) != 0;

    /// <summary>
    /// When diffs were asked for: the unified diff from this version (labelled <c>KEY@Index</c>) to
    /// the next newer one (<c>KEY@Index-1</c>, plain <c>KEY</c> for the current record), as
    /// <c>compare</c> prints one. Null when not asked for, for the current version, when the two
    /// have the same contents, and when either cannot be rebuilt.
    /// </summary>
    public byte[]? Diff { get; init; }
}

/// <summary>The versions kept of one object, newest (the current record) first.</summary>
public sealed record ObjectHistory(string Key, IReadOnlyList<HistoryVersion> Versions);

/// <summary>What <c>FleetHistory.ReadAsync</c> read: the objects handed over, and each core's read of the keys and their histories.</summary>
public sealed record HistoryResult(int Objects, IReadOnlyList<ExtractSummary> Summaries);

/// <summary>
/// The versions each object's history keeps (<see cref="FleetQuery.History"/>; docs/FORMAT.md,
/// "History"): per core, the matching keys are listed as search lists them, then each key's current
/// record and its history list are read together from the same server, a few keys a round trip, and
/// the versions rebuilt newest to oldest.
/// </summary>
public sealed class FleetHistory
{
    private readonly FleetQuery _fleet;

    internal FleetHistory(FleetQuery fleet) => _fleet = fleet;

    /// <summary>
    /// Every object matching <paramref name="pattern"/> with its versions, in key order, each handed
    /// to <paramref name="use"/>. A version that cannot be rebuilt is there with its reason, and is
    /// also in the summaries' corrupt records. One audit entry.
    /// </summary>
    /// <exception cref="SysopsFastException">No object matches; a server cannot be read.</exception>
    public Task<HistoryResult> ReadAsync(string pattern, Action<ObjectHistory> use, CancellationToken cancellationToken = default) =>
        ReadAsync(pattern, diffs: false, use, cancellationToken);

    /// <summary>
    /// As <see cref="ReadAsync(string, Action{ObjectHistory}, CancellationToken)"/>; with
    /// <paramref name="diffs"/>, each version also carries its unified diff against the next newer
    /// one (<see cref="HistoryVersion.Diff"/>), the whole answer's diffs within one
    /// <see cref="DiffBudget"/> (past it, a diff is its one-line notice).
    /// </summary>
    /// <exception cref="SysopsFastException">No object matches; a server cannot be read.</exception>
    public async Task<HistoryResult> ReadAsync(string pattern, bool diffs, Action<ObjectHistory> use, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(use);
        var fleet = _fleet.Unaudited;
        var summaries = new List<ExtractSummary>();
        var found = new List<ObjectHistory>();
        var budget = diffs ? new DiffBudget() : null;
        foreach (var target in CoreTarget.Plan(fleet.Cores, noLoadBalance: false))
        {
            var (server, db) = await _fleet.Connections.FirstAnsweringAsync(target, cancellationToken);
            var keys = new MetadataTable.Collector(headers: false);
            var listing = await fleet.RunOnTargetsAsync(fleet.Select(pattern, RecordReadMode.KeyOnly), keys, [new CoreTarget(target.Core, [server])], fleet.Targeting.AllowPartial, cancellationToken);
            var corrupt = new List<CorruptRecord>();
            var reader = new VersionReader(db, _fleet.LoadedDictionaries);
            foreach (var chunk in keys.SortedKeys().Chunk(VersionReader.KeysPerRead))
            {
                found.AddRange(await ReadChunkAsync(reader, server.ToString(), chunk, corrupt, budget, cancellationToken));
            }
            summaries.Add(listing with { Corrupt = [.. listing.Corrupt, .. corrupt] });
        }
        if (found.Count == 0)
        {
            throw Errors.NothingMatched(pattern, fleet.Servers.Select(s => s.ToString()));
        }
        found.Sort((a, b) => StringComparer.Ordinal.Compare(a.Key, b.Key));
        foreach (var history in found)
        {
            use(history);
        }
        _fleet.Audit.Record("history", pattern, "", summaries);
        return new HistoryResult(found.Count, summaries);
    }

    /// <summary>
    /// The versions of one object (<paramref name="key"/>, host#object), newest first, with their
    /// contents: <c>compare KEY --previous</c> diffs the first two. No versions when no core holds the key.
    /// </summary>
    public async Task<QueryListing<StoredVersion>> VersionsAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var keyBytes = Encoding.UTF8.GetBytes(key);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var asked = new List<string>();
        foreach (var target in CoreTarget.Plan(_fleet.Cores, noLoadBalance: false))
        {
            var (server, db) = await _fleet.Connections.FirstAnsweringAsync(target, cancellationToken);
            asked.Add(server.ToString());
            if ((await new VersionReader(db, _fleet.LoadedDictionaries).ReadAsync([keyBytes]))[0] is { } found)
            {
                var summary = new ExtractSummary { Servers = asked, Corrupt = [], KeysDiscovered = 1, RecordsRead = found.Count, Elapsed = clock.Elapsed };
                _fleet.Audit.Record("history", key, "", [summary]);
                return new(found, summary);
            }
        }
        return new([], new ExtractSummary { Servers = asked, Corrupt = [], Elapsed = clock.Elapsed });
    }

    private static async Task<IEnumerable<ObjectHistory>> ReadChunkAsync(VersionReader reader, string server, string[] keys, List<CorruptRecord> corrupt, DiffBudget? budget, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var versions = await reader.ReadAsync([.. keys.Select(Encoding.UTF8.GetBytes)]);
        var histories = new List<ObjectHistory>();
        for (var i = 0; i < keys.Length; i++)
        {
            if (versions[i] is { } chain)
            {
                corrupt.AddRange(chain.Where(v => v.Error is not null).Select(v => new CorruptRecord(server, $"{keys[i]} (version {v.Index})", v.Error!)));
                histories.Add(new ObjectHistory(keys[i], Shown(keys[i], chain, budget, cancellationToken)));
            }
        }
        return histories;
    }

    /// <summary>The versions as history shows them: each one's lines against the next newer version, and its diff when a budget is given.</summary>
    private static HistoryVersion[] Shown(string key, List<StoredVersion> chain, DiffBudget? budget, CancellationToken cancellationToken)
    {
        var shown = new HistoryVersion[chain.Count];
        for (var i = 0; i < chain.Count; i++)
        {
            var v = chain[i];
            (int, int)? changes = i > 0 && v.HasContents && chain[i - 1].HasContents
                ? LineChanges.Count(v.Contents.Span, chain[i - 1].Contents.Span, cancellationToken)
                : null;
            shown[i] = new HistoryVersion(v.Index, v.Header, changes?.Item1, changes?.Item2, v.Error)
            {
                Diff = i > 0 && budget is not null ? DiffToNewer(key, v, chain[i - 1], budget, cancellationToken) : null,
            };
        }
        return shown;
    }

    /// <summary>A version's diff to the next newer one, labelled as compare --previous labels them; none when either cannot be rebuilt.</summary>
    private static byte[]? DiffToNewer(string key, StoredVersion older, StoredVersion newer, DiffBudget budget, CancellationToken cancellationToken)
    {
        if (older.Error is not null || newer.Error is not null)
        {
            return null;
        }
        var newerLabel = newer.Index == 0 ? key : $"{key}@{newer.Index}";
        return Comparisons.Contents(
            new FetchedRecord($"{key}@{older.Index}", older.Header, older.Contents.ToArray()),
            new FetchedRecord(newerLabel, newer.Header, newer.Contents.ToArray()),
            newerLabel,
            budget,
            new DiffSearch(false, cancellationToken));
    }
}
