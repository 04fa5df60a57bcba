namespace SysopsFast.Benchmarks;

/// <summary>
/// Where a warm headline query's allocations go, by type (<see cref="AllocationTicks"/>) over many
/// queries. MemoryDiagnoser gives the total; this says what to look at.
/// <c>dotnet run -c Release --project bench/SysopsFast.Benchmarks -- alloc-probe [queries]</c>
/// (HEADLINE_HOSTS and HEADLINE_CODEC set the fleet and HEADLINE_CLUSTER=1 puts it in a Redis Cluster, as for the benchmark).
/// </summary>
internal static class AllocationProbe
{
    public static async Task RunAsync(int queries)
    {
        var benchmark = new HeadlineBenchmarks();
        await benchmark.SetupAsync();
        try
        {
            using var ticks = new AllocationTicks();
            var before = GC.GetTotalAllocatedBytes(precise: true);
            ticks.Counting = true;
            for (var i = 0; i < queries; i++)
            {
                await benchmark.HeadlineAsync();
            }
            ticks.Counting = false;
            var total = GC.GetTotalAllocatedBytes(precise: true) - before;
            Console.WriteLine($"{HeadlineBenchmarks.Hosts} hosts ({HeadlineBenchmarks.Codec}){(HeadlineBenchmarks.Cluster ? " in a 3-primary cluster" : "")}, {queries} queries: {total / queries / 1024.0:F1} KiB allocated per query (all threads)");
            ticks.Print(Console.Out, queries * 1024.0, "KiB");
            var read = benchmark.Last!;
            Console.WriteLine($"per host: {read.BytesFetched / (double)read.RecordsRead:F0} bytes fetched, {read.RawBytes / (double)read.RecordsRead:F0} decoded, {read.LineDeltaBytesRead / (double)read.RecordsRead:F0} of line delta payload walked ({read.LineDeltaRecordsRead} of {read.RecordsRead} records read from their ops)");
        }
        finally
        {
            await benchmark.CleanupAsync();
        }
    }
}
