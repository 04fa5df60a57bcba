using SysopsFast.Format;

namespace SysopsFast.Pipeline;

/// <summary>
/// A line delta record's inserted and edited lines, one at a time, for readers that take the ops
/// themselves: an inserted line where it lies in the payload, an edited one (its base line's kept
/// bytes, then its tail) put together in a buffer of its own, reused. One per worker.
/// </summary>
internal sealed class LiteralLines
{
    private byte[] _line = new byte[256];

    /// <summary>The next line of the <paramref name="op"/> (an insert or an edit) <paramref name="reader"/> is in; valid until the next call.</summary>
    public ReadOnlySpan<byte> Next(ref LineDeltaReader reader, LineDeltaOp op, LineBase lineBase)
    {
        if (op == LineDeltaOp.Insert)
        {
            reader.TryInsert(out var inserted);
            return inserted;
        }
        var at = reader.BaseLine;
        reader.TryEdit(out var kept, out var tail);
        var head = lineBase.Line(at)[..kept];
        if (tail.IsEmpty || head.IsEmpty)
        {
            return head.IsEmpty ? tail : head;
        }
        var length = kept + tail.Length;
        if (_line.Length < length)
        {
            _line = new byte[Math.Max(length, _line.Length * 2)];
        }
        head.CopyTo(_line);
        tail.CopyTo(_line.AsSpan(kept));
        return _line.AsSpan(0, length);
    }

    /// <summary>
    /// Opens a record that <see cref="LineDeltaRecord"/> opened, so already walked once:
    /// every op is within bounds, and the reads of the literals need no checking.
    /// </summary>
    public static LineDeltaReader Open(in LineDeltaRecord record)
    {
        LineDeltaReader.TryOpen(record.Payload, record.Base, out var reader, out _);
        return reader;
    }
}
