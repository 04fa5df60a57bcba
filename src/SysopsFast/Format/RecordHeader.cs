using System.Buffers.Binary;
using System.IO.Hashing;

namespace SysopsFast.Format;

/// <summary>
/// The fixed-size v1 header in front of every record (docs/FORMAT.md has the table and test vectors).
/// Little-endian throughout; a CRC-32 of the first 112 bytes makes a damaged header detectable
/// before any length in it is believed.
/// </summary>
public readonly record struct RecordHeader
{
    /// <summary>Bytes of the header.</summary>
    public const int Size = 120;
    /// <summary>The format version this library writes.</summary>
    public const byte CurrentVersion = 1;
    /// <summary>The four bytes every record starts with.</summary>
    public static ReadOnlySpan<byte> Magic => "SFRC"u8;

    /// <summary>Bytes that a metadata-only query needs to GETRANGE.</summary>
    public const int MetadataLength = Size;

    /// <summary>The format version of the record.</summary>
    public byte Version { get; init; }
    /// <summary>How the payload is stored.</summary>
    public PayloadCodec Codec { get; init; }
    /// <summary>What else is true of the record (omitted contents, …).</summary>
    public RecordFlags Flags { get; init; }
    /// <summary>Bytes of the payload after the header.</summary>
    public int PayloadLength { get; init; }
    /// <summary>Bytes of the contents once decoded.</summary>
    public long RawLength { get; init; }
    /// <summary>MD5 of the raw contents, big-endian so that <c>ToString("x32")</c> prints the usual hex.</summary>
    public UInt128 Md5 { get; init; }
    /// <summary>When the snapshot was taken, in Unix milliseconds.</summary>
    public long InsertedUnixMs { get; init; }
    /// <summary>Characters in the contents (<c>wc -m</c>).</summary>
    public long Characters { get; init; }
    /// <summary>Lines in the contents (<c>wc -l</c>).</summary>
    public long Lines { get; init; }
    /// <summary>Words in the contents (<c>wc -w</c>).</summary>
    public long Words { get; init; }
    /// <summary>The file's mode, owner, size and mtime when it was read.</summary>
    public FileStat Stat { get; init; }
    /// <summary>XXH3 of the payload: a damaged payload is found before it is decoded.</summary>
    public ulong PayloadChecksum { get; init; }

    /// <summary>
    /// The <see cref="CompressionDictionary.Id"/> of a <see cref="PayloadCodec.ZstdDictionary"/> record,
    /// the id of the base of a <see cref="PayloadCodec.LineDelta"/> record; 0 otherwise.
    /// </summary>
    public uint DictionaryId { get; init; }

    internal void WriteTo(Span<byte> dest)
    {
        if (dest.Length < Size)
        {
            throw new ArgumentException("destination shorter than a header", nameof(dest));
        }
        var h = dest[..Size];
        h.Clear();
        Magic.CopyTo(h);
        h[4] = Version;
        h[5] = (byte)Codec;
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)Flags);
        BinaryPrimitives.WriteUInt16LittleEndian(h[8..], Size);
        BinaryPrimitives.WriteInt32LittleEndian(h[12..], PayloadLength);
        BinaryPrimitives.WriteInt64LittleEndian(h[16..], RawLength);
        BinaryPrimitives.WriteUInt128BigEndian(h[24..], Md5);
        BinaryPrimitives.WriteInt64LittleEndian(h[40..], InsertedUnixMs);
        BinaryPrimitives.WriteInt64LittleEndian(h[48..], Characters);
        BinaryPrimitives.WriteInt64LittleEndian(h[56..], Lines);
        BinaryPrimitives.WriteInt64LittleEndian(h[64..], Words);
        BinaryPrimitives.WriteUInt32LittleEndian(h[72..], Stat.Mode);
        BinaryPrimitives.WriteUInt32LittleEndian(h[76..], Stat.Uid);
        BinaryPrimitives.WriteUInt32LittleEndian(h[80..], Stat.Gid);
        BinaryPrimitives.WriteUInt32LittleEndian(h[84..], DictionaryId);
        BinaryPrimitives.WriteInt64LittleEndian(h[88..], Stat.Size);
        BinaryPrimitives.WriteInt64LittleEndian(h[96..], Stat.MtimeUnixSeconds);
        BinaryPrimitives.WriteUInt64LittleEndian(h[104..], PayloadChecksum);
        BinaryPrimitives.WriteUInt32LittleEndian(h[112..], Crc32.HashToUInt32(h[..112]));
    }

    /// <summary>Parses and checks a header; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryRead(ReadOnlySpan<byte> record, out RecordHeader header, out string? error) =>
        TryRead(record, out header, out error, versionEntry: false);

    /// <summary>
    /// Parses and checks a header. <paramref name="versionEntry"/>: it is an element of a history
    /// list, where flag <see cref="RecordFlags.Relative"/> (codec 4, base id 0) is allowed.
    /// </summary>
    internal static bool TryRead(ReadOnlySpan<byte> record, out RecordHeader header, out string? error, bool versionEntry)
    {
        header = default;
        if (record.Length < Size)
        {
            error = record.Length >= 4 && !record[..4].SequenceEqual(Magic)
                ? "not a sysops-fast record (bad magic)"
                : $"truncated header ({record.Length} of {Size} bytes)";
            return false;
        }
        var h = record[..Size];
        if (!h[..4].SequenceEqual(Magic))
        {
            error = "not a sysops-fast record (bad magic)";
            return false;
        }
        if (h[4] != CurrentVersion)
        {
            error = $"unsupported record version {h[4]} (this build reads version {CurrentVersion}); upgrade sysops-fast";
            return false;
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(h[112..]) != Crc32.HashToUInt32(h[..112]))
        {
            error = "header checksum mismatch";
            return false;
        }
        var headerSize = BinaryPrimitives.ReadUInt16LittleEndian(h[8..]);
        if (headerSize != Size)
        {
            error = $"header size {headerSize}, expected {Size}";
            return false;
        }
        var codec = (PayloadCodec)h[5];
        if (codec is not (PayloadCodec.None or PayloadCodec.Lz4 or PayloadCodec.Zstd or PayloadCodec.ZstdDictionary or PayloadCodec.LineDelta))
        {
            error = $"unknown payload codec {h[5]}";
            return false;
        }
        var dictionaryId = BinaryPrimitives.ReadUInt32LittleEndian(h[84..]);
        var flags = (RecordFlags)BinaryPrimitives.ReadUInt16LittleEndian(h[6..]);
        if ((flags & RecordFlags.Relative) != 0)
        {
            error = RelativeFault(codec, dictionaryId, flags, versionEntry);
            if (error is not null)
            {
                return false;
            }
        }
        else if ((codec is PayloadCodec.ZstdDictionary or PayloadCodec.LineDelta) != (dictionaryId != 0))
        {
            error = codec switch
            {
                PayloadCodec.ZstdDictionary => "dictionary codec without a dictionary id",
                PayloadCodec.LineDelta => "line delta codec without a base id",
                _ => $"codec {codec} with a dictionary id",
            };
            return false;
        }
        var payloadLength = BinaryPrimitives.ReadInt32LittleEndian(h[12..]);
        var rawLength = BinaryPrimitives.ReadInt64LittleEndian(h[16..]);
        if (payloadLength < 0 || rawLength < 0)
        {
            error = "negative length in header";
            return false;
        }
        header = new RecordHeader
        {
            Version = h[4],
            Codec = codec,
            Flags = flags,
            PayloadLength = payloadLength,
            RawLength = rawLength,
            Md5 = BinaryPrimitives.ReadUInt128BigEndian(h[24..]),
            InsertedUnixMs = BinaryPrimitives.ReadInt64LittleEndian(h[40..]),
            Characters = BinaryPrimitives.ReadInt64LittleEndian(h[48..]),
            Lines = BinaryPrimitives.ReadInt64LittleEndian(h[56..]),
            Words = BinaryPrimitives.ReadInt64LittleEndian(h[64..]),
            Stat = new FileStat(
                BinaryPrimitives.ReadUInt32LittleEndian(h[72..]),
                BinaryPrimitives.ReadUInt32LittleEndian(h[76..]),
                BinaryPrimitives.ReadUInt32LittleEndian(h[80..]),
                BinaryPrimitives.ReadInt64LittleEndian(h[88..]),
                BinaryPrimitives.ReadInt64LittleEndian(h[96..])),
            PayloadChecksum = BinaryPrimitives.ReadUInt64LittleEndian(h[104..]),
            DictionaryId = dictionaryId,
        };
        error = null;
        return true;
    }

    /// <summary>Why a header flagged relative is refused: on a record key always, in a history list unless codec 4, base id 0, not omitted.</summary>
    private static string? RelativeFault(PayloadCodec codec, uint dictionaryId, RecordFlags flags, bool versionEntry)
    {
        if (!versionEntry)
        {
            return "version entry stored as a record";
        }
        if (codec != PayloadCodec.LineDelta || dictionaryId != 0 || (flags & RecordFlags.Omitted) != 0)
        {
            return $"relative version entry of codec {(byte)codec}, id {dictionaryId:x8}{((flags & RecordFlags.Omitted) != 0 ? ", omitted" : "")} (a relative entry is of codec 4, id 0, not omitted)";
        }
        return null;
    }
}
