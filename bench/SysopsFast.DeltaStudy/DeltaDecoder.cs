using SysopsFast.Format;

namespace SysopsFast.DeltaStudy;

/// <summary>
/// Rebuilds a host's whole contents from its base and delta payload (what dump, compare and
/// search --contents would need), never writing past the header's raw length.
/// </summary>
internal sealed class DeltaDecoder(ObjectBase b, DeltaForm form, ZstdSharp.Decompressor? unpack)
{
    private byte[] _scratch = [];

    /// <summary>The contents, or null when the payload is corrupt (or does not give exactly <paramref name="rawLength"/> bytes).</summary>
    public byte[]? Decode(ReadOnlySpan<byte> payload, int rawLength)
    {
        if (!DeltaCursor.TryOpen(payload, form, unpack, ref _scratch, rawLength, out var cursor) || cursor.BaseLines != b.Lines.Count)
        {
            return null;
        }
        var output = new byte[rawLength];
        var written = 0;
        var at = 0;
        while (cursor.TryNext(out var kind, out var count))
        {
            if (kind != LineDeltaOp.Insert && count > b.Lines.Count - at)
            {
                return null;
            }
            for (var k = 0; k < count; k++)
            {
                if (!TryLine(ref cursor, kind, ref at, output, ref written))
                {
                    return null;
                }
            }
        }
        if (!cursor.AtEnd || at != b.Lines.Count)
        {
            return null;
        }
        // Each line was written with its '\n'; an unterminated last line gives that one back.
        var length = cursor.Unterminated && written > 0 ? written - 1 : written;
        return length == rawLength && (written > 0 || !cursor.Unterminated) ? output : null;
    }

    private bool TryLine(ref DeltaCursor cursor, LineDeltaOp kind, ref int at, byte[] output, ref int written)
    {
        ReadOnlySpan<byte> head = default;
        ReadOnlySpan<byte> tail = default;
        switch (kind)
        {
            case LineDeltaOp.Copy:
                head = b.Lines[at++];
                break;
            case LineDeltaOp.Skip:
                at++;
                return true;
            case LineDeltaOp.Insert:
                if (!cursor.TryLiteral(out tail))
                {
                    return false;
                }
                break;
            case LineDeltaOp.Edit:
                if (!cursor.TryKept(b.Lines.Lengths[at], out var kept) || !cursor.TryLiteral(out tail))
                {
                    return false;
                }
                head = b.Lines[at++][..kept];
                break;
        }
        // One byte of room is allowed past the raw length: the '\n' an unterminated last line drops.
        if (head.Length + tail.Length + 1 > output.Length + 1 - written)
        {
            return false;
        }
        head.CopyTo(output.AsSpan(written));
        tail.CopyTo(output.AsSpan(written + head.Length));
        written += head.Length + tail.Length;
        if (written < output.Length)
        {
            output[written] = (byte)'\n';
        }
        written++;
        return true;
    }
}
