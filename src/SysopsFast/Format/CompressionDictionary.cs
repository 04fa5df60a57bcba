using System.Collections.Concurrent;
using System.IO.Hashing;

namespace SysopsFast.Format;

/// <summary>
/// A zstd dictionary shared by the records of one object name (codec <see cref="PayloadCodec.ZstdDictionary"/>):
/// outputs of the same command differ from host to host in a few lines, so most of a record is
/// references into the dictionary. Named by <see cref="Id"/>, a hash of its bytes, which records
/// carry in their header; stored under <c>#dict:&lt;id as 8 hex digits&gt;</c> (docs/FORMAT.md).
/// </summary>
public sealed class CompressionDictionary : IDisposable
{
    /// <summary>zstd's own advice is ~100× smaller than the samples; 64 KiB holds a whole sysctl -a.</summary>
    public const int MaxSize = 64 * 1024;

    public const int CompressionLevel = 3;

    private readonly ThreadLocal<ZstdSharp.Compressor> _compressors;

    public CompressionDictionary(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Bytes = bytes;
        Id = IdOf(bytes);
        _compressors = new ThreadLocal<ZstdSharp.Compressor>(() =>
        {
            var c = new ZstdSharp.Compressor(CompressionLevel);
            c.LoadDictionary(Bytes);
            return c;
        }, trackAllValues: true);
    }

    public uint Id { get; }

    public byte[] Bytes { get; }

    /// <summary>The id never is 0: 0 in a header means "no dictionary".</summary>
    public static uint IdOf(ReadOnlySpan<byte> bytes) => Math.Max(1u, (uint)XxHash3.HashToUInt64(bytes));

    /// <summary>
    /// Trains on sample contents of one object (zstd's ZDICT). Too few or too uniform samples can
    /// make training fail; the first sample itself is then the dictionary (a raw-content dictionary).
    /// </summary>
    public static CompressionDictionary Train(IReadOnlyList<byte[]> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            throw new ArgumentException("no samples to train a dictionary on", nameof(samples));
        }
        try
        {
            return new CompressionDictionary(ZstdSharp.DictBuilder.TrainFromBuffer(samples, MaxSize).ToArray());
        }
        catch (ZstdSharp.ZstdException)
        {
            var first = samples[0];
            return new CompressionDictionary(first.Length > MaxSize ? first[^MaxSize..] : first);
        }
    }

    internal int Compress(ReadOnlySpan<byte> source, Span<byte> dest) => _compressors.Value!.Wrap(source, dest);

    internal ZstdSharp.Decompressor CreateDecompressor()
    {
        var d = new ZstdSharp.Decompressor();
        d.LoadDictionary(Bytes);
        return d;
    }

    public void Dispose()
    {
        foreach (var c in _compressors.Values)
        {
            c.Dispose();
        }
        _compressors.Dispose();
    }
}

/// <summary>The dictionaries a query has loaded, by id; shared by every decode worker.</summary>
public sealed class CompressionDictionaries : IDisposable
{
    private readonly ConcurrentDictionary<uint, CompressionDictionary> _byId = new();

    public int Count => _byId.Count;

    /// <summary>Adds a dictionary read from a server; false if its bytes do not hash to the id it was stored under.</summary>
    public bool TryAdd(uint id, byte[] bytes)
    {
        if (CompressionDictionary.IdOf(bytes) != id)
        {
            return false;
        }
        if (!_byId.ContainsKey(id))
        {
            var dictionary = new CompressionDictionary(bytes);
            if (!_byId.TryAdd(id, dictionary))
            {
                dictionary.Dispose();
            }
        }
        return true;
    }

    public bool TryGet(uint id, out CompressionDictionary dictionary) => _byId.TryGetValue(id, out dictionary!);

    public void Dispose()
    {
        foreach (var d in _byId.Values)
        {
            d.Dispose();
        }
        _byId.Clear();
    }
}
