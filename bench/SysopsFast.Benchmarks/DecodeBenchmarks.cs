using BenchmarkDotNet.Attributes;
using SysopsFast.Format;

namespace SysopsFast.Benchmarks;

/// <summary>Stage 4: check and decode one sysctl -a record per codec, into the worker's pooled buffer.</summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private readonly RecordDecoder _decoder = new();
    private byte[] _record = [];

    [Params(PayloadCodec.None, PayloadCodec.Lz4, PayloadCodec.Zstd)]
    public PayloadCodec Codec { get; set; }

    [GlobalSetup]
    public void Setup() => _record = RecordEncoder.Encode(SampleData.Sysctl(), FileStat.None, 1, Codec);

    [Benchmark]
    public int Decode()
    {
        _decoder.TryDecode(_record, out _, out var content, out _);
        return content.Length;
    }

    [GlobalCleanup]
    public void Cleanup() => _decoder.Dispose();
}
