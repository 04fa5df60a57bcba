using System.Diagnostics.Tracing;
using System.Globalization;

namespace SysopsFast.Benchmarks;

/// <summary>
/// Where a warm headline query's allocations go, by type: the runtime's allocation ticks (one
/// event per ~100 KB allocated, naming the type that crossed the mark) over many queries, so the
/// shares are estimates whose error shrinks with the queries run. MemoryDiagnoser gives the total;
/// this says what to look at. <c>dotnet run -c Release --project bench/SysopsFast.Benchmarks -- alloc-probe [queries]</c>
/// (HEADLINE_HOSTS and HEADLINE_CODEC set the fleet and HEADLINE_CLUSTER=1 puts it in a Redis Cluster, as for the benchmark).
/// </summary>
internal sealed class AllocationProbe : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly Dictionary<string, long> _bytesByType = new(StringComparer.Ordinal);
    private volatile bool _counting;

    public static async Task RunAsync(int queries)
    {
        var benchmark = new HeadlineBenchmarks();
        await benchmark.SetupAsync();
        try
        {
            using var probe = new AllocationProbe();
            var before = GC.GetTotalAllocatedBytes(precise: true);
            probe._counting = true;
            for (var i = 0; i < queries; i++)
            {
                await benchmark.HeadlineAsync();
            }
            probe._counting = false;
            var total = GC.GetTotalAllocatedBytes(precise: true) - before;
            probe.Print(queries, total);
            var read = benchmark.Last!;
            Console.WriteLine($"per host: {read.BytesFetched / (double)read.RecordsRead:F0} bytes fetched, {read.RawBytes / (double)read.RecordsRead:F0} decoded, {read.LineDeltaBytesRead / (double)read.RecordsRead:F0} of line delta payload walked ({read.LineDeltaRecordsRead} of {read.RecordsRead} records read from their ops)");
        }
        finally
        {
            await benchmark.CleanupAsync();
        }
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_counting || e.EventName != "GCAllocationTick_V4" || e.Payload is null)
        {
            return;
        }
        var type = e.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload[a], CultureInfo.InvariantCulture) : 100_000;
        lock (_bytesByType)
        {
            _bytesByType[type] = _bytesByType.GetValueOrDefault(type) + amount;
        }
    }

    private void Print(int queries, long total)
    {
        Console.WriteLine($"{HeadlineBenchmarks.Hosts} hosts ({HeadlineBenchmarks.Codec}){(HeadlineBenchmarks.Cluster ? " in a 3-primary cluster" : "")}, {queries} queries: {total / queries / 1024.0:F1} KiB allocated per query (all threads)");
        lock (_bytesByType)
        {
            foreach (var (type, bytes) in _bytesByType.OrderByDescending(p => p.Value).Take(25))
            {
                Console.WriteLine($"{bytes / queries / 1024.0,10:F1} KiB  {type}");
            }
        }
    }
}
