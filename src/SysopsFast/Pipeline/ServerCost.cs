namespace SysopsFast.Pipeline;

/// <summary>
/// What one server cost a query (<c>--cost</c>): keys it listed, bytes it sent, bytes they decoded
/// to, and the time from the start of the query to its last reply.
/// </summary>
public sealed record ServerCost(string Server, long Keys, long BytesFetched, long BytesDecoded, TimeSpan Elapsed)
{
    /// <summary>Fetched megabytes (10^6 bytes) per second; 0 when nothing took measurable time.</summary>
    public double MegabytesPerSecond => Elapsed.TotalSeconds > 0 ? BytesFetched / 1e6 / Elapsed.TotalSeconds : 0;

    /// <summary>Costs of several phases of one query added up per server, sorted by server.</summary>
    public static IReadOnlyList<ServerCost> Merge(IEnumerable<ServerCost> costs) =>
        costs.GroupBy(c => c.Server, StringComparer.Ordinal)
            .Select(g => new ServerCost(g.Key, g.Sum(c => c.Keys), g.Sum(c => c.BytesFetched), g.Sum(c => c.BytesDecoded), TimeSpan.FromTicks(g.Sum(c => c.Elapsed.Ticks))))
            .OrderBy(c => c.Server, StringComparer.Ordinal)
            .ToArray();

    /// <summary>
    /// A query of several phases (keys found by the first, records fetched by the others): bytes and
    /// time added up per server, keys as the first phase counted them.
    /// </summary>
    public static IReadOnlyList<ServerCost> Phases(ExtractSummary discovery, IEnumerable<ExtractSummary> fetches)
    {
        var found = discovery.Costs.ToDictionary(c => c.Server, c => c.Keys, StringComparer.Ordinal);
        return Merge(discovery.Costs.Concat(fetches.SelectMany(f => f.Costs)))
            .Select(c => c with { Keys = found.GetValueOrDefault(c.Server) })
            .ToArray();
    }

    /// <summary>The sum of several servers' costs, timed by the query as a whole.</summary>
    public static ServerCost Total(IEnumerable<ServerCost> costs, TimeSpan elapsed)
    {
        long keys = 0, fetched = 0, decoded = 0;
        foreach (var c in costs)
        {
            keys += c.Keys;
            fetched += c.BytesFetched;
            decoded += c.BytesDecoded;
        }
        return new ServerCost("total", keys, fetched, decoded, elapsed);
    }
}

/// <summary>Per-server counters while a query runs; sources update them from several threads.</summary>
public sealed class ServerTally
{
    internal long Keys;
    internal long Bytes;
    internal long Decoded;
    private long _lastTicks;

    internal void Touch(double elapsedMs)
    {
        var ticks = (long)(elapsedMs * TimeSpan.TicksPerMillisecond);
        long seen;
        while ((seen = Interlocked.Read(ref _lastTicks)) < ticks && Interlocked.CompareExchange(ref _lastTicks, ticks, seen) != seen)
        {
        }
    }

    internal TimeSpan Last => TimeSpan.FromTicks(Interlocked.Read(ref _lastTicks));
}
