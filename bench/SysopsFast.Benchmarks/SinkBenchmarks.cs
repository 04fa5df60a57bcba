using BenchmarkDotNet.Attributes;
using SysopsFast.Grep;

namespace SysopsFast.Benchmarks;

/// <summary>Stage 6: counting a line already in the table must not allocate.</summary>
[MemoryDiagnoser]
public class SinkBenchmarks
{
    private readonly byte[][] _lines = ["net.core.netdev_budget = 300"u8.ToArray(), "net.core.netdev_budget_usecs = 8000"u8.ToArray(), "net.core.netdev_budget = 600"u8.ToArray()];
    private readonly UniqCountSink _sink = new();

    [Benchmark]
    public bool UniqCountKnownLines()
    {
        var ok = true;
        for (var i = 0; i < 1000; i++)
        {
            ok &= _sink.Matched(_lines[i % 3]);
        }
        return ok;
    }
}
