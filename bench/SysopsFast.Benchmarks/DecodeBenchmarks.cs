using BenchmarkDotNet.Attributes;
using SysopsFast.Format;

namespace SysopsFast.Benchmarks;

/// <summary>Stage 4: check and decode one sysctl -a record per codec, into the worker's pooled buffer.</summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private RecordDecoder _decoder = new();
    private byte[] _record = [];

    [Params(PayloadCodec.None, PayloadCodec.Lz4, PayloadCodec.Zstd, PayloadCodec.ZstdDictionary)]
    public PayloadCodec Codec { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // The dictionary is trained on other hosts' outputs, as fleet generate does; host 500 is not among them.
        var dictionary = CompressionDictionary.Train(Enumerable.Range(0, 100).Select(h => SampleData.Sysctl(h)).ToArray());
        var dictionaries = new CompressionDictionaries();
        dictionaries.TryAdd(dictionary.Id, dictionary.Bytes);
        _decoder = new RecordDecoder(dictionaries);
        _record = RecordEncoder.Encode(SampleData.Sysctl(500), FileStat.None, 1, Codec, dictionary: dictionary);
    }

    [Benchmark]
    public int Decode()
    {
        _decoder.TryDecode(_record, out _, out var content, out _);
        return content.Length;
    }

    [GlobalCleanup]
    public void Cleanup() => _decoder.Dispose();
}
