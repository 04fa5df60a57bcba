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

    /// <summary>
    /// The largest dictionary a writer stores or a reader fetches (docs/FORMAT.md): 16 times what
    /// training makes, so a hand-written one cannot take a query's memory or its replies' bound.
    /// </summary>
    public const int MaxStoredSize = 1 << 20;

    /// <summary>The zstd level records are compressed at with a dictionary.</summary>
    public const int CompressionLevel = 3;

    private readonly ThreadLocal<ZstdSharp.Compressor> _compressors;

    /// <summary>A dictionary of <paramref name="bytes"/>, its id their hash (<see cref="IdOf"/>).</summary>
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

    /// <summary>The id headers name it by (<see cref="IdOf"/>).</summary>
    public uint Id { get; }

    /// <summary>The dictionary as zstd trained it.</summary>
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

    /// <summary>
    /// Why bytes stored as dictionary <paramref name="id"/> cannot be used (null: they can). A reader
    /// asks before any record uses them: a shared pusher can store any bytes under a dictionary key,
    /// and zstd refuses some that hash to their id (tables that do not parse).
    /// </summary>
    /// <param name="storedLength">The value's length on the server, when only its first bytes were read.</param>
    /// <param name="id">The id the bytes were stored under.</param>
    /// <param name="bytes">The stored bytes (or their first part).</param>
    public static string? Fault(uint id, ReadOnlySpan<byte> bytes, long storedLength = -1)
    {
        var length = Math.Max(storedLength, bytes.Length);
        if (length > MaxStoredSize)
        {
            return Unusable(id, $"is {length} bytes, over the {MaxStoredSize} byte limit, and was not read");
        }
        if (IdOf(bytes) != id)
        {
            return Unusable(id, "is damaged (its bytes do not hash to its id)");
        }
        try
        {
            using var decompressor = new ZstdSharp.Decompressor();
            decompressor.LoadDictionary(bytes);
            return null;
        }
        catch (ZstdSharp.ZstdException e)
        {
            return Unusable(id, $"is malformed (zstd cannot load it: {e.Message})");
        }
    }

    /// <summary>What a record that needs an unusable dictionary is reported with: the key, and how it heals.</summary>
    private static string Unusable(uint id, string why) =>
        $"dictionary #dict:{id:x8} {why}; run \"sysops-fast dict train\" so that hosts rewrite their records at their next push, and an admin may delete #dict:{id:x8}";

    internal int Compress(ReadOnlySpan<byte> source, Span<byte> dest) => _compressors.Value!.Wrap(source, dest);

    internal ZstdSharp.Decompressor CreateDecompressor()
    {
        var d = new ZstdSharp.Decompressor();
        d.LoadDictionary(Bytes);
        return d;
    }

    /// <summary>Frees the native compressors made for each thread.</summary>
    public void Dispose()
    {
        foreach (var c in _compressors.Values)
        {
            c.Dispose();
        }
        _compressors.Dispose();
    }
}

/// <summary>
/// The dictionaries a query has loaded, by id, and why others were not (records that need one of
/// those are reported with that reason); shared by every decode worker.
/// </summary>
public sealed class CompressionDictionaries : IDisposable, ISharedSet
{
    /// <summary>
    /// The most dictionary bytes one client holds: each is held once here and once per decode worker
    /// that meets a record using it, within the client's memory bound (docs/FORMAT.md).
    /// </summary>
    public const long MaxTotalBytes = 32L << 20;

    private readonly ConcurrentDictionary<uint, CompressionDictionary> _byId = new();
    private readonly ConcurrentDictionary<uint, string> _refused = new();
    private long _totalBytes;

    /// <summary>Dictionaries loaded.</summary>
    public int Count => _byId.Count;

    /// <summary>The line delta bases loaded beside the dictionaries (records of <see cref="PayloadCodec.LineDelta"/>).</summary>
    internal LineBases Bases { get; } = new();

    bool ISharedSet.Has(uint id) => _byId.ContainsKey(id);

    /// <summary>
    /// Adds a dictionary read from a server; false, with the reason kept for its records, if it is
    /// unusable (<see cref="CompressionDictionary.Fault"/>) or over <see cref="MaxTotalBytes"/>.
    /// </summary>
    /// <param name="storedLength">The value's length on the server, when only its first bytes were read.</param>
    /// <param name="id">The id the bytes were stored under.</param>
    /// <param name="bytes">The stored bytes.</param>
    public bool TryAdd(uint id, byte[] bytes, long storedLength = -1)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (_byId.ContainsKey(id))
        {
            return true;
        }
        var fault = CompressionDictionary.Fault(id, bytes, storedLength);
        if (fault is null && Interlocked.Add(ref _totalBytes, bytes.Length) > MaxTotalBytes)
        {
            Interlocked.Add(ref _totalBytes, -bytes.Length);
            fault = $"dictionary #dict:{id:x8} was not read: the dictionaries already read hold the {MaxTotalBytes} bytes a client keeps for them";
        }
        if (fault is not null)
        {
            Refuse(id, fault);
            return false;
        }
        var dictionary = new CompressionDictionary(bytes);
        if (!_byId.TryAdd(id, dictionary))
        {
            Interlocked.Add(ref _totalBytes, -bytes.Length);
            dictionary.Dispose();
        }
        return true;
    }

    /// <summary>Keeps why dictionary <paramref name="id"/> is not used, for the records that need it.</summary>
    public void Refuse(uint id, string reason) => _refused[id] = reason;

    /// <summary>The dictionary loaded as <paramref name="id"/>; false when there is none.</summary>
    public bool TryGet(uint id, out CompressionDictionary dictionary) => _byId.TryGetValue(id, out dictionary!);

    /// <summary>Why dictionary <paramref name="id"/> was not loaded; null when it was never seen.</summary>
    public string? RefusalOf(uint id) => _refused.GetValueOrDefault(id);

    /// <summary>Frees every dictionary loaded.</summary>
    public void Dispose()
    {
        foreach (var d in _byId.Values)
        {
            d.Dispose();
        }
        _byId.Clear();
    }
}
