using BenchmarkDotNet.Running;

// Suites are grouped by stage: dotnet run -c Release -- --filter '*Match*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
