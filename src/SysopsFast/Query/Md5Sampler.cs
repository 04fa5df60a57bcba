using SysopsFast.Pipeline;

namespace SysopsFast.Query;

/// <summary>
/// md5 grouping and sampling (<see cref="FleetQuery.Md5Groups"/>): the matching records grouped by
/// contents from their headers alone, then one record per group fetched as its sample, a batch of
/// groups at a time. What <c>compare</c> and <c>compare-all</c> read.
/// </summary>
public sealed class Md5Sampler
{
    private readonly FleetQuery _fleet;

    internal Md5Sampler(FleetQuery fleet) => _fleet = fleet;

    /// <summary>
    /// Two phases: the headers of the matching records grouped by md5 (largest group first), then one
    /// record per group fetched as its sample. A sample whose md5 is no longer the group's (its host
    /// pushed again in between) is not used: the group's next member is fetched instead. One audit entry.
    /// </summary>
    /// <remarks>Holds every group's sample at once; the overload with a callback streams them.</remarks>
    public async Task<Md5Grouping> GroupAndSampleAsync(string objectPattern, CancellationToken cancellationToken = default)
    {
        var sampled = new List<Md5Group>();
        var grouping = await GroupAndSampleAsync(objectPattern, sampled.Add, cancellationToken);
        return grouping with { Groups = sampled };
    }

    /// <summary>
    /// As <see cref="GroupAndSampleAsync(string, CancellationToken)"/>, each group handed to
    /// <paramref name="use"/> with its sample (<c>Sample</c> null when none could be read) as it is
    /// fetched, a batch of groups at a time, so memory holds a batch of samples, not every one.
    /// Nothing here keeps a sample once <paramref name="use"/> returns. One query: one audit entry
    /// for the headers and every fetch.
    /// </summary>
    /// <returns>The groups (without samples), the headers' summary and each fetch's (<see cref="Md5Grouping.Fetches"/>).</returns>
    public async Task<Md5Grouping> GroupAndSampleAsync(string objectPattern, Action<Md5Group> use, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(use);
        var grouping = await GroupUnauditedAsync(objectPattern, cancellationToken);
        var fetches = new List<ExtractSummary>();
        await SampleEachUnauditedAsync(grouping.Groups, fetches, use, cancellationToken);
        _fleet.Audit.Record("md5-groups", objectPattern, "", [grouping.Headers, .. fetches]);
        return grouping with { Fetches = fetches };
    }

    /// <summary>Phase 1 alone: the headers of the matching records grouped by md5, largest group first; no sample (one audit entry).</summary>
    public async Task<Md5Grouping> GroupAsync(string objectPattern, CancellationToken cancellationToken = default)
    {
        var grouping = await GroupUnauditedAsync(objectPattern, cancellationToken);
        _fleet.Audit.Record("md5-groups", objectPattern, "", [grouping.Headers]);
        return grouping;
    }

    internal async Task<Md5Grouping> GroupUnauditedAsync(string objectPattern, CancellationToken cancellationToken)
    {
        var headers = await _fleet.Unaudited.ReadMetadataAsync(objectPattern, cancellationToken);
        return new Md5Grouping(Md5Grouping.Group(headers.Items), headers.Summary, []) { All = headers.Items };
    }

    /// <summary>Samples fetched per phase-2 round: a few groups' records at a time, so memory holds a batch, not the fleet.</summary>
    private const long SampleBatchBytes = 64L << 20;

    /// <summary>Members tried per group before its sample is given up (all re-pushed, or expired).</summary>
    private const int SampleTries = 8;

    /// <summary>
    /// Phase 2, not audited (the caller's answer is): each group with its sample, handed to
    /// <paramref name="use"/> in the order given, fetched a batch of groups at a time (each batch's
    /// fetch summary is added to <paramref name="fetches"/>). A fetched record whose md5 is no longer
    /// its group's (its host pushed again in between) is not used: the group's next member is
    /// fetched, up to 8; a group left without a sample is handed over with <c>Sample</c> null.
    /// Nothing here keeps a sample once <paramref name="use"/> returns (an async iterator would keep
    /// its last item as Current while the next batch is fetched).
    /// </summary>
    internal async Task SampleEachUnauditedAsync(IReadOnlyList<Md5Group> groups, ICollection<ExtractSummary> fetches, Action<Md5Group> use, CancellationToken cancellationToken)
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
    /// A batch's samples are garbage once used; when they were large, they are collected now, so the
    /// next batch's reuse their memory. Each is held once (the fetched record keeps the decoder's
    /// buffer), but left to itself the GC, seeing free memory, lets used samples of 120 MB pile up
    /// (593 MB for ten, 2 GB for 28), where a query may take 300 MB. Nothing on this stack may still
    /// reach them (<see cref="FleetQuery.FetchIntoAsync"/>), or this collection keeps the last one.
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
        var fetched = new List<FetchedRecord>();
        for (var tries = 1; ; tries = Math.Min(tries * 2, SampleTries))
        {
            var wanted = Enumerable.Range(0, groups.Length)
                .Where(i => groups[i].Sample is null && next[i] < Math.Min(groups[i].Count, SampleTries))
                .SelectMany(i => Enumerable.Range(next[i], Math.Min(Math.Min(tries, SampleTries - next[i]), groups[i].Count - next[i]))
                    .Select(m => (Group: i, Key: groups[i].Members.KeyBytes(m).ToArray())))
                .ToList();
            if (wanted.Count == 0)
            {
                return groups;
            }
            fetches.Add(await _fleet.Unaudited.FetchIntoAsync(wanted.Select(w => w.Key), fetched, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            TakeSamples(groups, next, wanted, fetched);
            // This method's state outlives the batch's use on a worker's stack (FleetQuery.FetchIntoAsync).
            fetched.Clear();
        }
    }

    /// <summary>Each group's sample from the records fetched, where one still has the group's md5.</summary>
    private static void TakeSamples(Md5Group[] groups, int[] next, List<(int Group, byte[] Key)> wanted, List<FetchedRecord> fetched)
    {
        var byKey = fetched.ToDictionary(r => r.KeyBytes, Grep.ByteSequenceComparer.Instance);
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
