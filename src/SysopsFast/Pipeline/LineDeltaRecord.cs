using System.IO.Hashing;
using SysopsFast.Format;

namespace SysopsFast.Pipeline;

/// <summary>
/// A line delta record opened to be read from its ops, its contents not rebuilt: the header, the
/// payload's length and checksum, its base and one walk of its ops (every op within its base and
/// payload, the contents they make exactly the raw length) checked. Only records the decoder would
/// accept are opened; anything else is left to the decoder, which says why it refuses them.
/// </summary>
internal readonly ref struct LineDeltaRecord
{
    private LineDeltaRecord(ReadOnlySpan<byte> payload, LineBase lineBase, long lines)
    {
        Payload = payload;
        Base = lineBase;
        Lines = lines;
    }

    /// <summary>The ops.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The base the header names.</summary>
    public LineBase Base { get; }

    /// <summary>
    /// The contents' lines as a searcher finds them: those the ops make, less a last empty one
    /// when the contents end without <c>\n</c> (its text is then nothing after the last <c>\n</c>).
    /// </summary>
    public long Lines { get; }

    /// <summary>
    /// Opens <paramref name="value"/> when it is a well-formed line delta record whose base is
    /// loaded; false for any other record, which the decoder then reads (or refuses).
    /// </summary>
    public static bool TryOpen(ReadOnlySpan<byte> value, LineBases? bases, out RecordHeader header, out LineDeltaRecord record)
    {
        record = default;
        if (bases is null || value.Length <= RecordHeader.Size || value[5] != (byte)PayloadCodec.LineDelta
            || !RecordHeader.TryRead(value, out header, out _))
        {
            header = default;
            return false;
        }
        var payload = value[RecordHeader.Size..];
        return (header.Flags & RecordFlags.Omitted) == 0 && payload.Length == header.PayloadLength && header.RawLength <= RecordDecoder.MaxRawLength
            && bases.TryGet(header.DictionaryId, out var lineBase) && XxHash3.HashToUInt64(payload) == header.PayloadChecksum
            && TryOpen(payload, lineBase, header.RawLength, out record);
    }

    /// <summary>Opens a payload written against <paramref name="lineBase"/> for contents of <paramref name="rawLength"/> bytes; false when it is not well-formed.</summary>
    public static bool TryOpen(ReadOnlySpan<byte> payload, LineBase lineBase, long rawLength, out LineDeltaRecord record)
    {
        record = default;
        if (!TryCountLines(payload, lineBase, rawLength, out var lines))
        {
            return false;
        }
        record = new LineDeltaRecord(payload, lineBase, lines);
        return true;
    }

    /// <summary>One walk of the ops: well-formed, and making exactly <paramref name="rawLength"/> bytes; the searcher's line count.</summary>
    private static bool TryCountLines(ReadOnlySpan<byte> payload, LineBase lineBase, long rawLength, out long lines)
    {
        lines = 0;
        if (!LineDeltaReader.TryOpen(payload, lineBase, out var reader, out _))
        {
            return false;
        }
        // No bound is needed on the way: copies never pass the base, literals never the payload.
        long bytes = 0;
        var lastEmpty = false;
        while (reader.TryNext(out var op, out var count))
        {
            if (op == LineDeltaOp.Skip)
            {
                continue;
            }
            if (op == LineDeltaOp.Copy)
            {
                var from = reader.BaseLine - count;
                // Line starts count each line's '\n', the base's unterminated last line's too.
                bytes += lineBase.LineStart(from + count) - lineBase.LineStart(from);
                lastEmpty = lineBase.LineLength(from + count - 1) == 0;
                lines += count;
                continue;
            }
            for (var k = 0; k < count; k++)
            {
                int length;
                if (op == LineDeltaOp.Insert)
                {
                    if (!reader.TryInsert(out var line))
                    {
                        return false;
                    }
                    length = line.Length;
                }
                else if (reader.TryEdit(out var kept, out var tail))
                {
                    length = kept + tail.Length;
                }
                else
                {
                    return false;
                }
                bytes += length + 1;
                lastEmpty = length == 0;
                lines++;
            }
        }
        if (!reader.TryFinish(out _) || (reader.Unterminated && lines == 0))
        {
            return false;
        }
        if (reader.Unterminated)
        {
            bytes--;
            lines -= lastEmpty ? 1 : 0;
        }
        return bytes == rawLength;
    }
}
