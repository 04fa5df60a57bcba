using SysopsFast.Pipeline;

namespace SysopsFast.Query;

/// <summary>Keys whose records have the same contents (the same md5 and length).</summary>
public sealed record Md5Group(UInt128 Md5, long Length, IReadOnlyList<RecordMetadata> Members)
{
    /// <summary>The md5 as 32 lowercase hex digits.</summary>
    public string Md5Hex => Md5.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Keys in the group.</summary>
    public int Count => Members.Count;

    /// <summary>
    /// The contents every member has, fetched from one of them (phase 2); null when no member's
    /// record still had this md5 when fetched (re-pushed or expired in between).
    /// </summary>
    public FetchedRecord? Sample { get; init; }
}

/// <summary>The answer of a two-phase query: groups largest first (the majority first), and what it cost.</summary>
public sealed record Md5Grouping(IReadOnlyList<Md5Group> Groups, ExtractSummary Headers, IReadOnlyList<ExtractSummary> Fetches)
{
    /// <summary>The largest group; null when nothing was found.</summary>
    public Md5Group? Majority => Groups.Count > 0 ? Groups[0] : null;

    /// <summary>Both phases' per-server costs, added up per server.</summary>
    /// <summary>Both phases' costs per server; keys counted once, by the header phase that found them.</summary>
    public IReadOnlyList<ServerCost> Costs => ServerCost.Phases(Headers, Fetches);

    /// <summary>
    /// Phase 1's headers grouped by (md5, length), largest group first; ties by md5 so the order is
    /// the same on every run.
    /// </summary>
    public static List<Md5Group> Group(IEnumerable<RecordMetadata> records) =>
        records.GroupBy(r => (r.Header.Md5, r.Header.RawLength))
            .Select(g => new Md5Group(g.Key.Md5, g.Key.RawLength, g.OrderBy(r => r.Key, StringComparer.Ordinal).ToArray()))
            .OrderByDescending(g => g.Count)
            .ThenBy(g => g.Md5)
            .ToList();
}
