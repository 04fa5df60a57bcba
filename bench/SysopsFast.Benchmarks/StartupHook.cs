using System.Globalization;

/// <summary>
/// What a whole CLI run allocates, by type, and its peak RSS, printed on stderr at exit: load this
/// assembly into any JIT-compiled .NET process with
/// <c>DOTNET_STARTUP_HOOKS=bench/SysopsFast.Benchmarks/bin/Release/net10.0/SysopsFast.Benchmarks.dll dotnet src/SysopsFast.Cli/bin/Release/net10.0/sysops-fast.dll search sysctl-a --md5sum …</c>
/// (the runtime calls <see cref="Initialize"/> before Main; a Native AOT binary runs no hooks).
/// Set ALLOCATION_KEYS to the number of keys the command reads to get bytes per key.
/// </summary>
internal static class StartupHook
{
    private static SysopsFast.Benchmarks.AllocationTicks? _ticks;

    public static void Initialize()
    {
        _ticks = new SysopsFast.Benchmarks.AllocationTicks { Counting = true };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Report();
    }

    private static void Report()
    {
        _ticks!.Counting = false;
        var total = GC.GetTotalAllocatedBytes(precise: true);
        var keys = long.TryParse(Environment.GetEnvironmentVariable("ALLOCATION_KEYS"), CultureInfo.InvariantCulture, out var k) && k > 0 ? k : 1;
        var status = File.ReadAllLines("/proc/self/status");
        var peak = status.FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))?.Split(':')[1].Trim();
        var error = Console.Error;
        error.WriteLine(FormattableString.Invariant($"allocated: {total / 1048576.0:F1} MiB in all ({total / (double)keys:F0} bytes per key for {keys} keys); peak RSS {peak}; GCs gen0 {GC.CollectionCount(0)} gen1 {GC.CollectionCount(1)} gen2 {GC.CollectionCount(2)}"));
        _ticks.Print(error, keys, "B/key", 15);
    }
}
