using System.Buffers;
using System.IO.Hashing;
using K4os.Compression.LZ4;

namespace SysopsFast.Format;

/// <summary>
/// Checks and decodes records. One instance per worker: it owns a pooled scratch buffer that
/// decompressed contents land in, so decoding allocates nothing per record. Not thread-safe.
/// </summary>
public sealed class RecordDecoder : IDisposable
{
    /// <summary>
    /// No record claims more than this; a bigger raw length is corruption, not a real object. Writers
    /// store objects over 10 MiB as omitted (<see cref="RecordEncoder.DefaultSizeCap"/>), and a reader
    /// holds a record's contents in memory, so the limit keeps any record within the client's
    /// memory bound (docs/FORMAT.md) while leaving room for a raised cap.
    /// </summary>
    public const long MaxRawLength = 128L << 20;

    /// <summary>
    /// The longest record there can be: a header and the payload of <see cref="MaxRawLength"/> bytes
    /// under the codec that expands incompressible data most. Replies longer than this are no record.
    /// </summary>
    public static readonly int MaxRecordLength = RecordHeader.Size + Math.Max(
        RecordEncoder.MaxPayloadLength((int)MaxRawLength, PayloadCodec.Lz4),
        RecordEncoder.MaxPayloadLength((int)MaxRawLength, PayloadCodec.Zstd));

    /// <summary>LZ4 expands at most 255-fold (each match codes at most 255 more bytes per byte of input).</summary>
    private const int Lz4MaxRatio = 255;

    private byte[] _scratch = [];

    /// <summary>Whether <see cref="_scratch"/> was handed over (<see cref="TakeContent"/>): never written or pooled again.</summary>
    private bool _scratchTaken;
    private int _lastLength = -1;
    private bool _lastInRecord;
    private RecordHeader _lastHeader;
    private ZstdSharp.Decompressor? _zstd;
    private readonly CompressionDictionaries? _dictionaries;
    private readonly Dictionary<uint, ZstdSharp.Decompressor> _withDictionary = [];

    /// <param name="dictionaries">Where <see cref="PayloadCodec.ZstdDictionary"/> records find their dictionary.</param>
    public RecordDecoder(CompressionDictionaries? dictionaries = null) => _dictionaries = dictionaries;

    /// <summary>The line delta bases this decoder's records find theirs in; null without dictionaries.</summary>
    internal LineBases? LineBases => _dictionaries?.Bases;

    /// <summary>
    /// Also hash the decoded contents and refuse a record whose md5 is not its header's. Readers
    /// that hand contents on whole (dump, compare, search --contents) ask for it; grep does not: MD5
    /// runs at a few hundred MB/s, slower than its decoding and matching (docs/FORMAT.md).
    /// </summary>
    public bool CheckMd5 { get; init; }

    /// <summary>
    /// Decodes <paramref name="record"/>. The returned span points into the record itself (codec none)
    /// or into this decoder's scratch buffer, valid until the next call.
    /// </summary>
    public bool TryDecode(ReadOnlySpan<byte> record, out RecordHeader header, out ReadOnlySpan<byte> content, out string? error)
    {
        var ok = TryDecodeCore(record, out header, out content, out error);
        if (ok && CheckMd5 && (header.Flags & RecordFlags.Omitted) == 0 && RecordEncoder.Md5Of(content) != header.Md5)
        {
            ok = false;
            content = default;
            error = "contents do not match the header's md5";
        }
        _lastLength = ok ? content.Length : -1;
        _lastInRecord = ok && header.Codec == PayloadCodec.None;
        _lastHeader = header;
        return ok;
    }

    /// <summary>
    /// The header and contents the last successful <see cref="TryDecode"/> gave for this same
    /// <paramref name="record"/>, without checking or decoding it again; false if that call failed.
    /// </summary>
    public bool TryRepeat(ReadOnlySpan<byte> record, out RecordHeader header, out ReadOnlySpan<byte> content)
    {
        header = _lastHeader;
        content = _lastLength < 0 ? default : _lastInRecord ? record.Slice(RecordHeader.Size, _lastLength) : _scratch.AsSpan(0, _lastLength);
        return _lastLength >= 0;
    }

    private bool TryDecodeCore(ReadOnlySpan<byte> record, out RecordHeader header, out ReadOnlySpan<byte> content, out string? error)
    {
        content = default;
        if (!RecordHeader.TryRead(record, out header, out error) || !TryPayload(record, header, out var payload, out error))
        {
            return false;
        }
        if ((header.Flags & RecordFlags.Omitted) != 0)
        {
            // Nothing is decoded, so the raw length (the object's real size) may exceed the limit.
            error = payload.IsEmpty ? null : "a record of an object over the size cap has a payload";
            return payload.IsEmpty;
        }
        if (header.RawLength > MaxRawLength)
        {
            error = $"raw length {header.RawLength} is over the {MaxRawLength} byte limit";
            return false;
        }
        var raw = (int)header.RawLength;
        switch (header.Codec)
        {
            case PayloadCodec.None:
                if (payload.Length != raw)
                {
                    error = $"uncompressed payload is {payload.Length} bytes but the header says {raw}";
                    return false;
                }
                content = payload;
                return true;
            case PayloadCodec.Lz4:
            {
                // Empty contents: this writer stores no block, liblz4 the one-byte block 00, which K4os refuses.
                if (raw == 0 && payload is [] or [0])
                {
                    content = default;
                    return true;
                }
                // Checked before the buffer is sized from the header's claim.
                if (raw > ((long)payload.Length * Lz4MaxRatio) + 16)
                {
                    error = $"LZ4 payload of {payload.Length} bytes cannot decode to {raw}";
                    return false;
                }
                var dest = Scratch(raw);
                var n = LZ4Codec.Decode(payload, dest);
                if (n != raw)
                {
                    error = n < 0 ? "LZ4 payload is corrupt" : $"LZ4 payload decoded to {n} bytes, header says {raw}";
                    return false;
                }
                content = dest[..raw];
                return true;
            }
            case PayloadCodec.Zstd:
            {
                if (!ZstdCanReach(payload, raw, out error))
                {
                    return false;
                }
                var dest = Scratch(raw);
                _zstd ??= new ZstdSharp.Decompressor();
                if (!TryUnwrap(_zstd, payload, dest, out var n) || n != raw)
                {
                    error = "zstd payload is corrupt or has the wrong length";
                    return false;
                }
                content = dest[..raw];
                return true;
            }
            case PayloadCodec.ZstdDictionary:
            {
                if (!_withDictionary.TryGetValue(header.DictionaryId, out var decompressor))
                {
                    if (_dictionaries is null || !_dictionaries.TryGet(header.DictionaryId, out var dictionary))
                    {
                        error = _dictionaries?.RefusalOf(header.DictionaryId)
                            ?? $"dictionary {header.DictionaryId:x8} not found (#dict:{header.DictionaryId:x8} expired or was never written)";
                        return false;
                    }
                    // Loaded dictionaries were checked (CompressionDictionary.Fault): zstd accepts them.
                    _withDictionary[header.DictionaryId] = decompressor = dictionary.CreateDecompressor();
                }
                if (!ZstdCanReach(payload, raw, out error))
                {
                    return false;
                }
                var dest = Scratch(raw);
                if (!TryUnwrap(decompressor, payload, dest, out var n) || n != raw)
                {
                    error = "zstd payload is corrupt, has the wrong length, or does not match its dictionary";
                    return false;
                }
                content = dest[..raw];
                return true;
            }
            case PayloadCodec.LineDelta:
                return TryDecodeDelta(header, payload, raw, out content, out error);
            default:
                error = $"unknown codec {header.Codec}";
                return false;
        }
    }

    /// <summary>Checks 9 and 10 of docs/FORMAT.md: the payload's length and checksum.</summary>
    internal static bool TryPayload(ReadOnlySpan<byte> record, RecordHeader header, out ReadOnlySpan<byte> payload, out string? error)
    {
        payload = record[RecordHeader.Size..];
        error = payload.Length == header.PayloadLength
            ? XxHash3.HashToUInt64(payload) == header.PayloadChecksum ? null : "payload checksum mismatch"
            : payload.Length < header.PayloadLength
                ? $"truncated payload ({payload.Length} of {header.PayloadLength} bytes)"
                : $"payload longer than the header says ({payload.Length}, expected {header.PayloadLength} bytes)";
        return error is null;
    }

    /// <summary>
    /// Decodes a relative version entry (docs/FORMAT.md, "History") against <paramref name="newer"/>,
    /// the contents of its next newer version, and checks the md5 of what it gives; the returned span
    /// is valid until the next call. False (corrupt, <paramref name="error"/> says why) otherwise.
    /// </summary>
    internal bool TryDecodeRelative(ReadOnlySpan<byte> entry, LineBase newer, out RecordHeader header, out ReadOnlySpan<byte> content, out string? error)
    {
        content = default;
        _lastLength = -1;
        if (!RecordHeader.TryRead(entry, out header, out error, versionEntry: true) || !TryPayload(entry, header, out var payload, out error))
        {
            return false;
        }
        if ((header.Flags & RecordFlags.Relative) == 0)
        {
            error = "not a relative version entry";
            return false;
        }
        var at = 0;
        if (Leb128.TryRead(payload, ref at, out var lines) && lines != newer.LineCount)
        {
            error = $"relative version entry was written against {lines} lines, but its newer version has {newer.LineCount}";
            return false;
        }
        if (header.RawLength > newer.Contents.Length + 1L + payload.Length)
        {
            error = $"relative version entry of {payload.Length} bytes cannot decode to {header.RawLength} against its newer version of {newer.Contents.Length}";
            return false;
        }
        var raw = (int)header.RawLength;
        var dest = Scratch(raw)[..raw];
        if (!LineDeltaDecoder.TryDecode(newer, payload, dest, out error))
        {
            return false;
        }
        if (RecordEncoder.Md5Of(dest) != header.Md5)
        {
            error = "contents do not match the header's md5";
            return false;
        }
        content = dest;
        return true;
    }

    /// <summary>
    /// A line delta record: its base (loaded by the query, like a dictionary) and the payload give
    /// the whole contents. Each base line is taken at most once, and every literal byte or line end
    /// costs a payload byte, so a raw length past base + payload + 1 is refused before a buffer is
    /// sized from it.
    /// </summary>
    private bool TryDecodeDelta(RecordHeader header, ReadOnlySpan<byte> payload, int raw, out ReadOnlySpan<byte> content, out string? error)
    {
        content = default;
        var id = header.DictionaryId;
        if (_dictionaries is null || !_dictionaries.Bases.TryGet(id, out var lineBase))
        {
            error = _dictionaries?.Bases.RefusalOf(id) ?? $"base {id:x8} not found (#base:{id:x8} expired or was never written)";
            return false;
        }
        if (raw > lineBase.Contents.Length + 1L + payload.Length)
        {
            error = $"line delta payload of {payload.Length} bytes cannot decode to {raw} against base {id:x8} of {lineBase.Contents.Length}";
            return false;
        }
        var dest = Scratch(raw)[..raw];
        if (!LineDeltaDecoder.TryDecode(lineBase, payload, dest, out error))
        {
            return false;
        }
        content = dest;
        return true;
    }

    /// <summary>
    /// Whether a zstd payload can decode to <paramref name="raw"/> bytes: its frames' sizes, or the
    /// most their blocks can hold, read from the frame headers before the buffer is sized from the
    /// header's claim.
    /// </summary>
    private static bool ZstdCanReach(ReadOnlySpan<byte> payload, int raw, out string? error)
    {
        ulong bound;
        try
        {
            bound = ZstdSharp.Decompressor.GetDecompressedSize(payload);
        }
        catch (ZstdSharp.ZstdException)
        {
            error = "zstd payload is corrupt (bad frame header)";
            return false;
        }
        error = bound < (ulong)raw ? $"zstd payload of {payload.Length} bytes cannot decode to {raw}" : null;
        return error is null;
    }

    /// <summary>ZstdSharp throws on damaged frames (found by FuzzTests); a damaged record is reported, not thrown.</summary>
    private static bool TryUnwrap(ZstdSharp.Decompressor decompressor, ReadOnlySpan<byte> payload, Span<byte> dest, out int written)
    {
        try
        {
            return decompressor.TryUnwrap(payload, dest, out written);
        }
        catch (ZstdSharp.ZstdException)
        {
            written = -1;
            return false;
        }
    }

    /// <summary>
    /// Buffers past this are not pooled: the shared pool would keep a 128 MB buffer per thread for
    /// the rest of the process, and one hostile record per worker would take a query past 300 MB.
    /// </summary>
    private const int PooledBytes = 16 << 20;

    /// <summary>
    /// The contents the last decode gave, as an array of their own: this decoder's buffer itself
    /// when they fill it exactly (a large record, whose buffer is not pooled), handed over instead of
    /// copied so that a kept record is held once; else a copy.
    /// </summary>
    internal byte[] TakeContent(ReadOnlySpan<byte> content)
    {
        if (!_lastInRecord && content.Length == _lastLength && _lastLength == _scratch.Length && _scratch.Length > PooledBytes)
        {
            _scratchTaken = true;
            return _scratch;
        }
        return content.ToArray();
    }

    private Span<byte> Scratch(int length)
    {
        if (_scratchTaken || _scratch.Length < length)
        {
            ReturnScratch();
            _scratch = length > PooledBytes ? new byte[length] : LargeBuffers.Rent(Math.Max(length, 64 * 1024));
        }
        // The whole buffer: the decoders report how much they wrote, and that is checked against the header.
        return _scratch.AsSpan();
    }

    private void ReturnScratch()
    {
        if (_scratch.Length is > 0 and <= PooledBytes && !_scratchTaken)
        {
            LargeBuffers.Return(_scratch);
        }
        _scratch = [];
        _scratchTaken = false;
    }

    /// <summary>Frees the decompressors.</summary>
    public void Dispose()
    {
        ReturnScratch();
        _zstd?.Dispose();
        _zstd = null;
        foreach (var decompressor in _withDictionary.Values)
        {
            decompressor.Dispose();
        }
        _withDictionary.Clear();
    }
}
