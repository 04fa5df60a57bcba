using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using K4os.Compression.LZ4;
using System.IO.Hashing;

namespace SysopsFast.Format;

/// <summary>Builds v1 records: header + payload in one buffer, ready to SET.</summary>
public static class RecordEncoder
{
    /// <summary>Objects over this size are stored as an "omitted" record.</summary>
    public const long DefaultSizeCap = 10L * 1024 * 1024;

    /// <summary>Encodes <paramref name="content"/> into a new array sized exactly to the record.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> content, FileStat stat, long insertedUnixMs, PayloadCodec codec = PayloadCodec.Lz4, long sizeCap = DefaultSizeCap, CompressionDictionary? dictionary = null)
    {
        var omitted = content.Length > sizeCap;
        var body = omitted ? [] : content;
        var bound = RecordHeader.Size + MaxPayloadLength(body.Length, codec);
        var rented = ArrayPool<byte>.Shared.Rent(bound);
        try
        {
            var length = EncodeInto(content, stat, insertedUnixMs, codec, rented, sizeCap, dictionary);
            return rented.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The most payload bytes <paramref name="rawLength"/> bytes can take encoded with <paramref name="codec"/>: what to allocate.</summary>
    public static int MaxPayloadLength(int rawLength, PayloadCodec codec) => codec switch
    {
        PayloadCodec.Lz4 => LZ4Codec.MaximumOutputSize(rawLength),
        PayloadCodec.Zstd or PayloadCodec.ZstdDictionary => (int)ZstdSharp.Compressor.GetCompressBound(rawLength),
        _ => rawLength,
    };

    /// <summary>Encodes into <paramref name="dest"/> (at least Size + MaxPayloadLength bytes); returns the record length.</summary>
    /// <param name="dictionary">Required for <see cref="PayloadCodec.ZstdDictionary"/>, ignored otherwise.</param>
    /// <param name="content">The raw contents.</param>
    /// <param name="stat">The file's stat (<see cref="FileStat.None"/> for a command's output).</param>
    /// <param name="insertedUnixMs">When the snapshot was taken, in Unix milliseconds.</param>
    /// <param name="codec">How to store the payload.</param>
    /// <param name="dest">Where the record goes.</param>
    /// <param name="sizeCap">Contents over this many bytes are stored header-only, flagged omitted.</param>
    public static int EncodeInto(ReadOnlySpan<byte> content, FileStat stat, long insertedUnixMs, PayloadCodec codec, Span<byte> dest, long sizeCap = DefaultSizeCap, CompressionDictionary? dictionary = null)
    {
        var omitted = content.Length > sizeCap;
        var body = omitted ? [] : content;
        var payloadDest = dest[RecordHeader.Size..];
        int payloadLength;
        var effectiveCodec = codec;
        switch (omitted ? PayloadCodec.None : codec)
        {
            case PayloadCodec.None:
                body.CopyTo(payloadDest);
                payloadLength = body.Length;
                effectiveCodec = PayloadCodec.None;
                break;
            case PayloadCodec.Lz4:
                payloadLength = LZ4Codec.Encode(body, payloadDest, LZ4Level.L00_FAST);
                if (payloadLength < 0)
                {
                    throw new InvalidOperationException("LZ4 output buffer too small");
                }
                break;
            case PayloadCodec.Zstd:
                using (var compressor = new ZstdSharp.Compressor(3))
                {
                    payloadLength = compressor.Wrap(body, payloadDest);
                }
                break;
            case PayloadCodec.ZstdDictionary:
                if (dictionary is null)
                {
                    throw new ArgumentException("the ZstdDictionary codec needs a dictionary", nameof(dictionary));
                }
                payloadLength = dictionary.Compress(body, payloadDest);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(codec));
        }

        var id = effectiveCodec == PayloadCodec.ZstdDictionary ? dictionary!.Id : 0;
        HeaderOf(content, stat, insertedUnixMs, effectiveCodec, omitted, payloadDest[..payloadLength], id).WriteTo(dest);
        return RecordHeader.Size + payloadLength;
    }

    /// <summary>
    /// The record of <paramref name="content"/> as a line delta of <paramref name="delta"/>'s base
    /// (<see cref="PayloadCodec.LineDelta"/>).
    /// </summary>
    internal static byte[] EncodeLineDelta(ReadOnlySpan<byte> content, FileStat stat, long insertedUnixMs, LineDeltaEncoder delta) =>
        LineDeltaRecord(content, stat, insertedUnixMs, delta.Encode(content), delta.Base.Id);

    private static byte[] LineDeltaRecord(ReadOnlySpan<byte> content, FileStat stat, long insertedUnixMs, byte[] payload, uint baseId) =>
        WithPayload(HeaderOf(content, stat, insertedUnixMs, PayloadCodec.LineDelta, omitted: false, payload, baseId), payload);

    private static byte[] WithPayload(RecordHeader header, byte[] payload)
    {
        var record = new byte[RecordHeader.Size + payload.Length];
        payload.CopyTo(record.AsSpan(RecordHeader.Size));
        header.WriteTo(record);
        return record;
    }

    /// <summary>
    /// A delta whose payload is at most 1/<see cref="DeltaTakenUnweighed"/> of the raw length is
    /// written without encoding the other form to weigh it: a zstd pass costs as much as the delta,
    /// and on the generator's fleet no such delta was ever the larger (perf-results/2026-12-07-generate-cpu.md).
    /// </summary>
    internal const int DeltaTakenUnweighed = 16;

    /// <summary>
    /// The record push, import and fleet generate write per object: with <paramref name="codec"/>
    /// (and <paramref name="dictionary"/>), or as a line delta of <paramref name="delta"/>'s base
    /// (none: never) where that is smaller, or where the delta is small enough to be taken
    /// unweighed (<see cref="DeltaTakenUnweighed"/>). An object over <paramref name="sizeCap"/> is an omitted record.
    /// </summary>
    internal static byte[] EncodeSmaller(ReadOnlySpan<byte> content, FileStat stat, long insertedUnixMs, PayloadCodec codec, CompressionDictionary? dictionary, LineDeltaEncoder? delta, long sizeCap = DefaultSizeCap)
    {
        if (delta is null || content.Length > sizeCap)
        {
            return Encode(content, stat, insertedUnixMs, codec, sizeCap, dictionary);
        }
        var payload = delta.Encode(content);
        if ((long)payload.Length * DeltaTakenUnweighed <= content.Length)
        {
            return LineDeltaRecord(content, stat, insertedUnixMs, payload, delta.Base.Id);
        }
        var record = Encode(content, stat, insertedUnixMs, codec, sizeCap, dictionary);
        if (RecordHeader.Size + payload.Length >= record.Length || !RecordHeader.TryRead(record, out var header, out _))
        {
            return record;
        }
        // The whole contents' md5, counts and stat are the record's already: only the payload's fields change.
        return WithPayload(header with { Codec = PayloadCodec.LineDelta, PayloadLength = payload.Length, PayloadChecksum = XxHash3.HashToUInt64(payload), DictionaryId = delta.Base.Id }, payload);
    }

    private static RecordHeader HeaderOf(ReadOnlySpan<byte> content, FileStat stat, long insertedUnixMs, PayloadCodec codec, bool omitted, ReadOnlySpan<byte> payload, uint id)
    {
        var (chars, lines, words) = Count(content);
        return new RecordHeader
        {
            Version = RecordHeader.CurrentVersion,
            Codec = codec,
            Flags = omitted ? RecordFlags.Omitted : RecordFlags.None,
            PayloadLength = payload.Length,
            RawLength = content.Length,
            Md5 = Md5Of(content),
            InsertedUnixMs = insertedUnixMs,
            Characters = chars,
            Lines = lines,
            Words = words,
            Stat = stat,
            PayloadChecksum = XxHash3.HashToUInt64(payload),
            DictionaryId = id,
        };
    }

    /// <summary>The MD5 of <paramref name="content"/> as the header stores it.</summary>
    public static UInt128 Md5Of(ReadOnlySpan<byte> content)
    {
        Span<byte> md5 = stackalloc byte[16];
        MD5.HashData(content, md5);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(md5);
    }

    /// <summary>Counts like <c>wc -m -l -w</c>: UTF-8 characters, newlines, whitespace-separated words.</summary>
    public static (long Chars, long Lines, long Words) Count(ReadOnlySpan<byte> content)
    {
        var inWord = false;
        return (Encoding.UTF8.GetCharCount(content), content.Count((byte)'\n'), ContentCounter.Words(content, ref inWord));
    }

    /// <summary>
    /// The record of an object over the size cap, from its <paramref name="summary"/> alone: flag
    /// <see cref="RecordFlags.Omitted"/>, an empty payload, and the real length, md5 and counts.
    /// </summary>
    public static byte[] EncodeOmitted(ContentSummary summary, FileStat stat, long insertedUnixMs)
    {
        var record = new byte[RecordHeader.Size];
        new RecordHeader
        {
            Version = RecordHeader.CurrentVersion,
            Codec = PayloadCodec.None,
            Flags = RecordFlags.Omitted,
            RawLength = summary.Length,
            Md5 = summary.Md5,
            InsertedUnixMs = insertedUnixMs,
            Characters = summary.Characters,
            Lines = summary.Lines,
            Words = summary.Words,
            Stat = stat,
            PayloadChecksum = XxHash3.HashToUInt64([]),
        }.WriteTo(record);
        return record;
    }
}
