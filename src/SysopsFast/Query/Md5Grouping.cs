using System.Runtime.InteropServices;
using SysopsFast.Pipeline;

namespace SysopsFast.Query;

/// <summary>Keys whose records have the same contents (the same md5 and length).</summary>
/// <param name="Md5">The md5 every member's header has.</param>
/// <param name="Length">The length of the contents every member's header has.</param>
/// <param name="Members">The members, sorted by key.</param>
public sealed record Md5Group(UInt128 Md5, long Length, RecordMetadataList Members)
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

    /// <summary>Both phases' costs per server; keys counted once, by the header phase that found them.</summary>
    public IReadOnlyList<ServerCost> Costs => ServerCost.Phases(Headers, Fetches);

    /// <summary>Every header grouped, in key order (what compare walks).</summary>
    internal RecordMetadataList All { get; init; } = RecordMetadataList.Empty;

    /// <summary>
    /// Phase 1's headers grouped by (md5, length), largest group first; ties by md5, then by the
    /// first key of each, so the order is the same on every run. Each group's members keep the
    /// order of <paramref name="records"/>. One pass and a table of the distinct contents: no
    /// object per key.
    /// </summary>
    public static List<Md5Group> Group(RecordMetadataList records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var groupOf = new int[records.Count];
        var ids = new Dictionary<(UInt128 Md5, long Length), int>();
        var contents = new List<(UInt128 Md5, long Length)>();
        var counts = new List<int>();
        for (var i = 0; i < records.Count; i++)
        {
            ref readonly var header = ref records.Header(i);
            ref var id = ref CollectionsMarshal.GetValueRefOrAddDefault(ids, (header.Md5, header.RawLength), out var seen);
            if (!seen)
            {
                id = contents.Count;
                contents.Add((header.Md5, header.RawLength));
                counts.Add(0);
            }
            groupOf[i] = id;
            counts[id]++;
        }
        // A stable sort: equal counts and md5s keep the order of their first keys.
        var order = Enumerable.Range(0, contents.Count).OrderByDescending(g => counts[g]).ThenBy(g => contents[g].Md5).ToArray();
        var starts = new int[contents.Count];
        var next = 0;
        foreach (var g in order)
        {
            starts[g] = next;
            next += counts[g];
        }
        var members = new int[records.Count];
        var fill = (int[])starts.Clone();
        for (var i = 0; i < records.Count; i++)
        {
            members[fill[groupOf[i]]++] = records.Id(i);
        }
        return [.. order.Select(g => new Md5Group(contents[g].Md5, contents[g].Length, records.With(members, starts[g], counts[g])))];
    }
}
