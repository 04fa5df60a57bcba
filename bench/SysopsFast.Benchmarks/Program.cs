using BenchmarkDotNet.Running;
using SysopsFast.Benchmarks;

// Suites are grouped by stage: dotnet run -c Release -- --filter '*Match*'
// `alloc-probe [queries]`: where the warm headline's allocations go, by type (AllocationProbe).
// DOTNET_STARTUP_HOOKS=<this assembly> on a JIT-compiled sysops-fast: its run's allocations by type and peak RSS (StartupHook).
if (args is ["alloc-probe", ..])
{
    await AllocationProbe.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 50);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
