using BenchmarkDotNet.Running;
using SysopsFast.Benchmarks;

// Suites are grouped by stage: dotnet run -c Release -- --filter '*Match*'
// `alloc-probe [queries]`: where the warm headline's allocations go, by type (AllocationProbe).
// `as-of-probe [versions] [rounds]`: the as-of stage's CPU per version, ops composed against the chain rebuilt (AsOfProbe).
// DOTNET_STARTUP_HOOKS=<this assembly> on a JIT-compiled sysops-fast: its run's allocations by type and peak RSS (StartupHook).
if (args is ["alloc-probe", ..])
{
    await AllocationProbe.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 50);
    return;
}
if (args is ["as-of-probe", ..])
{
    AsOfProbe.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1000, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 7);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
