using SysopsFast.Compare;
using SysopsFast.Pipeline;

namespace SysopsFast.Query;

/// <summary>How <see cref="FleetComparison"/> compares.</summary>
public sealed record CompareOptions
{
    /// <summary>What is compared: the contents (a unified diff) or one header field.</summary>
    public RecordField Field { get; init; } = RecordField.Contents;

    /// <summary>Insist on the shortest diff, as diff --minimal does (by default a long diff with many changes gives that up to finish quickly).</summary>
    public bool Minimal { get; init; }
}

/// <summary>
/// What a comparison read, and the groups it could not: none of whose records still had the
/// group's md5 when fetched (re-pushed or expired in between); the caller says to run it again.
/// </summary>
/// <param name="Compared">Objects (compare) or groups (compare-all) handed over.</param>
/// <param name="Unread">Groups left without a sample.</param>
/// <param name="Summaries">Each phase's read, in order (reference, headers, samples).</param>
/// <param name="Costs">Per server, the phases added up (keys counted once, by the header phase).</param>
public sealed record ComparisonResult(int Compared, IReadOnlyList<Md5Group> Unread, IReadOnlyList<ExtractSummary> Summaries, IReadOnlyList<ServerCost> Costs);

/// <summary>
/// <c>compare</c> and <c>compare-all</c> (<see cref="FleetQuery.Comparison"/>): both read the
/// matching records' headers, group them by md5 and fetch one record per distinct contents, so a
/// fleet of identical files costs one diff. Results are handed over as they are made (a diff is
/// not kept once handed over); each call is one audit entry.
/// </summary>
public sealed class FleetComparison
{
    private readonly FleetQuery _fleet;

    internal FleetComparison(FleetQuery fleet) => _fleet = fleet;

    /// <summary>
    /// One object (<paramref name="key"/>: a whole key, or a pattern naming exactly one object)
    /// against every other object matching <paramref name="pattern"/>, in key order: each handed to
    /// <paramref name="use"/> with the reference's header, identical (no diff) or with its diff.
    /// </summary>
    /// <exception cref="SysopsFastException">The reference cannot be found, is ambiguous or corrupt.</exception>
    public async Task<ComparisonResult> CompareAsync(string key, string pattern, CompareOptions options, Action<RecordMetadata, Comparison> use, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(use);
        var fleet = _fleet.Unaudited;
        var summaries = new List<ExtractSummary>();
        var mine = await ReferenceAsync(fleet, key, summaries, cancellationToken);
        var compared = 0;
        var unread = new List<Md5Group>();
        ExtractSummary listing;
        if (options.Field != RecordField.Contents)
        {
            // A header field: headers alone, no record fetched.
            var metadata = await fleet.ReadMetadataAsync(pattern, cancellationToken);
            summaries.Add(listing = metadata.Summary);
            var now = DateTimeOffset.UtcNow;
            var reference = mine.Metadata;
            foreach (var member in metadata.Items.Where(m => m.Key != mine.Key))
            {
                use(reference, new Comparison(member, Comparisons.Field(options.Field, reference, member, now)));
                compared++;
            }
        }
        else
        {
            var grouping = await fleet.Md5Groups.GroupUnauditedAsync(pattern, cancellationToken);
            summaries.Add(listing = grouping.Headers);
            // One diff per distinct contents (the reference's own needs none), relabelled per key.
            var others = grouping.Groups.Where(g => g.Md5 != mine.Header.Md5 || g.Length != mine.Header.RawLength).ToArray();
            var diffs = new Dictionary<(UInt128, long), (byte[]? Diff, string Sample)>();
            var budget = new DiffBudget();
            var search = new DiffSearch(options.Minimal, cancellationToken);
            await fleet.Md5Groups.SampleEachUnauditedAsync(others, summaries, group =>
            {
                if (group.Sample is null)
                {
                    unread.Add(group);
                    return;
                }
                diffs[(group.Md5, group.Length)] = (Comparisons.Contents(mine, group.Sample, group.Sample.Key, budget, search), group.Sample.Key);
            }, cancellationToken);
            // Every member in key order; its group is its (md5, length).
            var reference = mine.Metadata;
            var all = grouping.All;
            for (var i = 0; i < all.Count; i++)
            {
                ref readonly var header = ref all.Header(i);
                var member = all[i];
                if (member.Key == mine.Key)
                {
                    continue;
                }
                byte[]? diff = null;
                if (diffs.TryGetValue((header.Md5, header.RawLength), out var d))
                {
                    diff = d.Diff is null ? null : Comparisons.Relabel(d.Diff, mine.Key, d.Sample, member.Key);
                }
                else if (header.Md5 != mine.Header.Md5 || header.RawLength != mine.Header.RawLength)
                {
                    continue; // its contents changed while being read: in Unread
                }
                use(reference, new Comparison(member, diff));
                compared++;
            }
        }
        _fleet.Audit.Record("compare", key, pattern, summaries);
        return new ComparisonResult(compared, unread, summaries, ServerCost.Phases(listing, summaries.Where(s => !ReferenceEquals(s, listing))));
    }

    /// <summary>
    /// The objects matching <paramref name="pattern"/> grouped by md5, largest group (the majority)
    /// first, each handed to <paramref name="use"/> with its index and the number of groups, and
    /// every other group with its diff against the majority's sample.
    /// </summary>
    public async Task<ComparisonResult> CompareAllAsync(string pattern, CompareOptions options, Action<GroupComparison, int, int> use, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(use);
        var grouping = await _fleet.Md5Groups.GroupUnauditedAsync(pattern, cancellationToken);
        var fetches = new List<ExtractSummary>();
        var unread = new List<Md5Group>();
        FetchedRecord? majority = null;
        var index = 0;
        var search = new DiffSearch(options.Minimal, cancellationToken);
        // Samples arrive a batch of groups at a time; only the majority's is kept.
        await _fleet.Md5Groups.SampleEachUnauditedAsync(grouping.Groups, fetches, group =>
        {
            majority = index == 0 ? group.Sample : majority;
            if (group.Sample is null)
            {
                unread.Add(group);
            }
            // Each diff is handed over before the next is made: a budget of its own.
            var diff = index == 0 || group.Sample is null || majority is null ? null : Comparisons.Contents(majority, group.Sample, group.Sample.Key, new DiffBudget(), search);
            use(new GroupComparison(group, index == 0, diff), index, grouping.Groups.Count);
            index++;
        }, cancellationToken);
        _fleet.Audit.Record("compare-all", pattern, "", [grouping.Headers, .. fetches]);
        return new ComparisonResult(grouping.Groups.Count, unread, [grouping.Headers, .. fetches], ServerCost.Phases(grouping.Headers, fetches));
    }

    /// <summary>
    /// <c>compare KEY --previous</c>: the object's previous version (version 1 of its history) against
    /// its current record, handed to <paramref name="use"/> with the previous version as the reference
    /// (labelled <c>KEY@1</c>); identical when the two have the same contents. Compared is 0 when no
    /// previous version is kept.
    /// </summary>
    /// <exception cref="SysopsFastException">No core holds the key; the previous version cannot be rebuilt.</exception>
    public async Task<ComparisonResult> ComparePreviousAsync(string key, CompareOptions options, Action<RecordMetadata, Comparison> use, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(use);
        var (versions, summary) = await _fleet.History.VersionsAsync(key, cancellationToken);
        if (versions.Count == 0)
        {
            throw Errors.BadArgument($"the object '{key}' was not found on {string.Join(", ", summary.Servers)}; give a whole key, host#object, as search prints it");
        }
        if (versions.Count < 2)
        {
            return new ComparisonResult(0, [], [summary], []);
        }
        var (previous, current) = (Version(key + "@1", versions[1]), Version(key, versions[0]));
        var diff = options.Field == RecordField.Contents
            ? Comparisons.Contents(previous, current, key, new DiffBudget(), new DiffSearch(options.Minimal, cancellationToken))
            : Comparisons.Field(options.Field, previous.Metadata, current.Metadata, DateTimeOffset.UtcNow);
        use(previous.Metadata, new Comparison(current.Metadata, diff));
        return new ComparisonResult(1, [], [summary], []);
    }

    /// <summary>A version as a record to compare; one that cannot be rebuilt is an error (there is nothing to diff).</summary>
    private static FetchedRecord Version(string label, Format.StoredVersion version) =>
        version.Error is null
            ? new FetchedRecord(label, version.Header, version.Contents.ToArray())
            : throw Errors.BadArgument($"version {version.Index} of '{label}' cannot be read: {version.Error}");

    /// <summary>The reference: the key as given, else the one object the text names as a pattern.</summary>
    private static async Task<FetchedRecord> ReferenceAsync(FleetQuery fleet, string key, List<ExtractSummary> summaries, CancellationToken cancellationToken)
    {
        var reference = await fleet.FetchAsync([key], cancellationToken);
        summaries.Add(reference.Summary);
        if (reference.Items.Count > 0)
        {
            return reference.Items[0];
        }
        ThrowIfCorrupt(reference.Summary, key);
        // Not a key: a pattern that must name exactly one object (the original's --search side).
        var keys = await fleet.ReadMetadataAsync(key, cancellationToken);
        summaries.Add(keys.Summary);
        if (keys.Items.Count != 1)
        {
            throw Errors.BadArgument(keys.Items.Count == 0
                ? $"the object '{key}' was not found on {string.Join(", ", reference.Summary.Servers)}; give a whole key, host#object, as search prints it"
                : $"'{key}' matches {keys.Items.Count} objects ({string.Join(", ", keys.Items.Take(5).Select(k => k.Key))}{(keys.Items.Count > 5 ? ", …" : "")}); the reference must be exactly one: narrow it down");
        }
        reference = await fleet.FetchAsync([keys.Items[0].KeyBytes], cancellationToken);
        summaries.Add(reference.Summary);
        ThrowIfCorrupt(reference.Summary, keys.Items[0].Key);
        return reference.Items.Count > 0 ? reference.Items[0] : throw Errors.BadArgument($"the object '{keys.Items[0].Key}' expired while it was read; run the query again");
    }

    private static void ThrowIfCorrupt(ExtractSummary summary, string key)
    {
        if (summary.Corrupt.Count > 0)
        {
            throw Errors.BadArgument($"the reference object '{key}' cannot be read: {summary.Corrupt[0].Reason}");
        }
    }
}
