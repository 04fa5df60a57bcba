using System.Collections.Concurrent;

namespace SysopsFast.Format;

/// <summary>
/// The line delta bases a query has loaded, by id, and why others were not (records naming one of
/// those are reported with that reason); shared by every decode worker, held beside the
/// dictionaries (<see cref="CompressionDictionaries.Bases"/>).
/// </summary>
internal sealed class LineBases : ISharedSet
{
    /// <summary>The most base bytes (raw contents) one client holds, as for dictionaries.</summary>
    public const long MaxTotalBytes = 32L << 20;

    private readonly ConcurrentDictionary<uint, LineBase> _byId = new();
    private readonly ConcurrentDictionary<uint, string> _refused = new();
    private long _totalBytes;

    public int Count => _byId.Count;

    /// <summary>
    /// Adds a base read from a server as its stored value (a record); false, with the reason kept
    /// for its records, if it is unusable (<see cref="Read"/>) or over <see cref="MaxTotalBytes"/>.
    /// </summary>
    public bool TryAdd(uint id, byte[] value, long storedLength = -1)
    {
        if (_byId.ContainsKey(id))
        {
            return true;
        }
        var fault = Read(id, value, storedLength, out var lineBase);
        if (fault is null && Interlocked.Add(ref _totalBytes, lineBase!.Contents.Length) > MaxTotalBytes)
        {
            Interlocked.Add(ref _totalBytes, -lineBase.Contents.Length);
            fault = $"base #base:{id:x8} was not read: the bases already read hold the {MaxTotalBytes} bytes a client keeps for them";
        }
        if (fault is not null)
        {
            Refuse(id, fault);
            return false;
        }
        if (!_byId.TryAdd(id, lineBase!))
        {
            Interlocked.Add(ref _totalBytes, -lineBase!.Contents.Length);
        }
        return true;
    }

    /// <summary>Adds a base this process made or checked itself (tests build their bases so).</summary>
    public void Add(LineBase lineBase) => _byId.TryAdd(lineBase.Id, lineBase);

    public void Refuse(uint id, string reason) => _refused[id] = reason;

    public bool TryGet(uint id, out LineBase lineBase) => _byId.TryGetValue(id, out lineBase!);

    public bool Has(uint id) => _byId.ContainsKey(id);

    public string? RefusalOf(uint id) => _refused.GetValueOrDefault(id);

    /// <summary>
    /// The base stored as <paramref name="id"/> in <paramref name="value"/> (a record of codec 0, 1
    /// or 2, whose contents hash to the id), or why it cannot be used: a shared pusher can store
    /// anything under a base key. <paramref name="storedLength"/>: the value's length on the
    /// server, when only its first bytes were read.
    /// </summary>
    public static string? Read(uint id, ReadOnlySpan<byte> value, long storedLength, out LineBase? lineBase)
    {
        lineBase = null;
        var length = Math.Max(storedLength, value.Length);
        if (length > LineBase.MaxStoredLength)
        {
            return Unusable(id, $"is {length} bytes, over the {LineBase.MaxStoredLength} byte limit, and was not read");
        }
        using var decoder = new RecordDecoder { CheckMd5 = true };
        if (!decoder.TryDecode(value, out var header, out var contents, out var error))
        {
            return Unusable(id, $"is no sound record ({error})");
        }
        if (header.Codec is not (PayloadCodec.None or PayloadCodec.Lz4 or PayloadCodec.Zstd) || (header.Flags & RecordFlags.Omitted) != 0)
        {
            return Unusable(id, (header.Flags & RecordFlags.Omitted) != 0 ? "is an omitted record" : $"is a record of codec {(byte)header.Codec} (a base is of codec 0, 1 or 2)");
        }
        if (contents.Length > LineBase.MaxRawLength)
        {
            return Unusable(id, $"holds {contents.Length} bytes, over the {LineBase.MaxRawLength} byte limit");
        }
        if (LineBase.IdOf(contents) != id)
        {
            return Unusable(id, "is damaged (its contents do not hash to its id)");
        }
        lineBase = new LineBase(contents.ToArray());
        return null;
    }

    /// <summary>What a record that needs an unusable base is reported with: the key, and how it heals.</summary>
    private static string Unusable(uint id, string why) =>
        $"base #base:{id:x8} {why}; run \"sysops-fast dict train\" so that hosts rewrite their records at their next push, and an admin may delete #base:{id:x8}";
}
