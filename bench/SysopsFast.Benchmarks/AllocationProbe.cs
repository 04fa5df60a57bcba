namespace SysopsFast.Benchmarks;

/// <summary>
/// Where a warm headline query's allocations go, by type (<see cref="AllocationTicks"/>) over many
/// queries. MemoryDiagnoser gives the total; this says what to look at.
/// <c>dotnet run -c Release --project bench/SysopsFast.Benchmarks -- alloc-probe [queries]</c>
/// (HEADLINE_HOSTS sets the fleet, as for the benchmark).
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
            Console.WriteLine($"{HeadlineBenchmarks.Hosts} hosts, {queries} queries: {total / queries / 1024.0:F1} KiB allocated per query (all threads)");
            ticks.Print(Console.Out, queries * 1024.0, "KiB");
        }
        finally
        {
            await benchmark.CleanupAsync();
        }
    }
}
