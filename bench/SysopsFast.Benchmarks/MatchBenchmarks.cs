using BenchmarkDotNet.Attributes;
using SysopsFast.Grep;

namespace SysopsFast.Benchmarks;

/// <summary>Stage 5: one ~49 KB sysctl -a, the headline needle, every matcher kind.</summary>
[MemoryDiagnoser]
public class MatchBenchmarks
{
    private byte[] _value = [];
    private IMatcher _literal = null!;
    private IMatcher _literalIgnoreCase = null!;
    private IMatcher _regex = null!;
    private readonly IGrepSink _sink = new UniqCountSink();

    [GlobalSetup]
    public void Setup()
    {
        _value = SampleData.Sysctl();
        _literal = new LiteralMatcher("net.core.netdev_budget");
        _literalIgnoreCase = new LiteralMatcher("NET.core.netdev_budget", ignoreCase: true);
        _regex = new RegexMatcher(@"^net\.core\.netdev_budget = \d+$");
    }

    [Benchmark(Baseline = true)]
    public long Literal() => LineSearcher.Search(_value, _literal, false, _sink);

    [Benchmark]
    public long LiteralIgnoreCase() => LineSearcher.Search(_value, _literalIgnoreCase, false, _sink);

    [Benchmark]
    public long Regex() => LineSearcher.Search(_value, _regex, false, _sink);

    [Benchmark]
    public long LiteralInvert() => LineSearcher.Search(_value, _literal, true, _sink);
}
