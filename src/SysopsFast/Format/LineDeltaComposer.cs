using System.Buffers;
using System.IO.Hashing;

namespace SysopsFast.Format;

/// <summary>
/// An older version of an object as a line delta record against its current record's base, made
/// from ops alone (issue 19): the current record's ops give its lines over the base's, and each
/// relative history entry's ops over the next newer version's lines (docs/FORMAT.md, "History") are
/// composed with them, hop by hop, into ops over the base's lines. Nothing is decoded and no md5
/// is taken: the record is written as the encoder writes one (merged copy and skip runs, an edit
/// keeping its line's whole common prefix with the base line), so every reader takes it, and a
/// reader that decodes it checks its md5 then. Every payload is walked by <see cref="LineDeltaReader"/>
/// with its bounds checked; anything that does not fit gives null, and the caller rebuilds the
/// version the long way (which reports what is wrong).
/// </summary>
internal static class LineDeltaComposer
{
    /// <summary>
    /// The record of the version <paramref name="entries"/>[<paramref name="depth"/> − 1] keeps, all of
    /// <paramref name="entries"/>[..<paramref name="depth"/>] being relative and
    /// <paramref name="current"/> a line delta record whose base is in <paramref name="bases"/>;
    /// null otherwise, or when a payload or length does not fit.
    /// </summary>
    public static byte[]? TryCompose(ReadOnlyMemory<byte> current, IReadOnlyList<ReadOnlyMemory<byte>> entries, int depth, LineBases bases)
    {
        if (depth < 1 || depth > entries.Count || !TryOpen(current, versionEntry: false, out var header, out var payload)
            || header.Codec != PayloadCodec.LineDelta || (header.Flags & RecordFlags.Omitted) != 0
            || !bases.TryGet(header.DictionaryId, out var lineBase))
        {
            return null;
        }
        var lines = Hop(lineBase, Identity(lineBase), lineBase.Starts, payload, header.RawLength);
        for (var i = 0; i < depth && lines is not null; i++)
        {
            if (!TryOpen(entries[i], versionEntry: true, out header, out payload) || (header.Flags & RecordFlags.Relative) == 0)
            {
                return null;
            }
            lines = Hop(lineBase, lines.Lines, StartsOf(lines.Lines), payload, header.RawLength);
        }
        return lines is null ? null : Write(lineBase, lines, header);
    }

    /// <summary>The version's lines (each over base lines) and whether its last one lacks its <c>\n</c>.</summary>
    private sealed record Version(List<Line> Lines, bool Unterminated);

    /// <summary>
    /// One line over the base: the first <see cref="Kept"/> bytes of base line <see cref="Base"/>, then
    /// <see cref="Tail"/>; a line of no base line (<see cref="Base"/> −1) is all tail.
    /// </summary>
    private readonly record struct Line(int Base, int Kept, ReadOnlyMemory<byte> Tail)
    {
        public int Length => Kept + Tail.Length;
    }

    private static bool TryOpen(ReadOnlyMemory<byte> record, bool versionEntry, out RecordHeader header, out ReadOnlyMemory<byte> payload)
    {
        payload = record[Math.Min(RecordHeader.Size, record.Length)..];
        return RecordHeader.TryRead(record.Span, out header, out _, versionEntry)
            && RecordDecoder.TryPayload(record.Span, header, out _, out _)
            // Only versions of up to 1 MiB have relative entries against them; a bigger one is left to the long way.
            && header.RawLength <= LineBase.MaxRawLength;
    }

    /// <summary>The base's own lines, each a whole base line.</summary>
    private static List<Line> Identity(LineBase lineBase)
    {
        var lines = new List<Line>(lineBase.LineCount);
        for (var i = 0; i < lineBase.LineCount; i++)
        {
            lines.Add(new Line(i, lineBase.LineLength(i), default));
        }
        return lines;
    }

    private static int[] StartsOf(List<Line> lines)
    {
        var starts = new int[lines.Count + 1];
        for (var i = 0; i < lines.Count; i++)
        {
            starts[i + 1] = starts[i] + lines[i].Length + 1;
        }
        return starts;
    }

    /// <summary>
    /// The lines <paramref name="payload"/> makes of <paramref name="newer"/>'s, each still over the
    /// base; null when the payload is refused or its contents would not be <paramref name="rawLength"/> bytes.
    /// </summary>
    private static Version? Hop(LineBase lineBase, List<Line> newer, ReadOnlySpan<int> newerStarts, ReadOnlyMemory<byte> payload, long rawLength)
    {
        if (!LineDeltaReader.TryOpenLines(payload.Span, newerStarts, out var reader, out _))
        {
            return null;
        }
        var lines = new List<Line>(newer.Count + 8);
        while (reader.TryNext(out var op, out var count))
        {
            for (var k = 0; k < count && op != LineDeltaOp.Skip; k++)
            {
                if (!TryLine(ref reader, lineBase, newer, payload, op, count - k, out var line))
                {
                    return null;
                }
                lines.Add(line);
            }
        }
        if (!reader.TryFinish(out _) || LengthOf(lines, reader.Unterminated) != rawLength)
        {
            return null;
        }
        return new Version(lines, reader.Unterminated);
    }

    /// <summary>The next line of a copy (<paramref name="left"/> lines of it left), insert or edit.</summary>
    private static bool TryLine(ref LineDeltaReader reader, LineBase lineBase, List<Line> newer, ReadOnlyMemory<byte> payload, LineDeltaOp op, int left, out Line line)
    {
        line = default;
        switch (op)
        {
            case LineDeltaOp.Copy:
                // The reader has moved past the whole run already.
                line = newer[reader.BaseLine - left];
                return true;
            case LineDeltaOp.Insert:
                if (!reader.TryInsert(out var literal))
                {
                    return false;
                }
                line = new Line(-1, 0, Within(payload, literal));
                return true;
            default:
                var from = newer[reader.BaseLine];
                if (!reader.TryEdit(out var kept, out var tail))
                {
                    return false;
                }
                line = Edited(lineBase, from, kept, Within(payload, tail));
                return true;
        }
    }

    /// <summary>
    /// <paramref name="from"/>'s first <paramref name="kept"/> bytes and <paramref name="tail"/>, over
    /// its base line with the whole common prefix kept, as the encoder keeps it.
    /// </summary>
    private static Line Edited(LineBase lineBase, Line from, int kept, ReadOnlyMemory<byte> tail)
    {
        var fromBase = Math.Min(kept, from.Kept);
        if (kept > from.Kept)
        {
            // Part of the newer line's own tail stays: the literal bytes are joined into one.
            var joined = new byte[kept - from.Kept + tail.Length];
            from.Tail.Span[..(kept - from.Kept)].CopyTo(joined);
            tail.Span.CopyTo(joined.AsSpan(kept - from.Kept));
            tail = joined;
        }
        if (from.Base < 0)
        {
            return new Line(-1, 0, tail);
        }
        var more = lineBase.Line(from.Base)[fromBase..].CommonPrefixLength(tail.Span);
        return new Line(from.Base, fromBase + more, tail[more..]);
    }

    /// <summary>The payload bytes <paramref name="span"/> (a slice of <paramref name="payload"/>'s span) are, as memory.</summary>
    private static ReadOnlyMemory<byte> Within(ReadOnlyMemory<byte> payload, ReadOnlySpan<byte> span)
    {
        payload.Span.Overlaps(span, out var offset);
        return payload.Slice(offset, span.Length);
    }

    private static long LengthOf(List<Line> lines, bool unterminated)
    {
        long length = 0;
        foreach (var line in lines)
        {
            length += line.Length + 1;
        }
        return length - (unterminated ? 1 : 0);
    }

    /// <summary>The record: <paramref name="header"/>'s version against the base, flag 0x0002 cleared; null if a line is out of base order.</summary>
    private static byte[]? Write(LineBase lineBase, Version version, RecordHeader header)
    {
        var steps = Steps(lineBase, version.Lines);
        if (steps is null)
        {
            return null;
        }
        var payload = new ArrayBufferWriter<byte>(64 + (steps.Count * 4));
        Leb128.Write(payload, lineBase.LineCount);
        payload.Write([version.Unterminated ? LineDeltaReader.UnterminatedFlag : (byte)0]);
        foreach (var step in steps)
        {
            Leb128.Write(payload, (step.Count << 2) | (int)step.Op);
            for (var k = 0; k < step.Count && step.Op is LineDeltaOp.Insert or LineDeltaOp.Edit; k++)
            {
                var line = version.Lines[step.HostStart + k];
                if (step.Op == LineDeltaOp.Edit)
                {
                    Leb128.Write(payload, line.Kept);
                }
                Leb128.Write(payload, line.Tail.Length);
                payload.Write(line.Tail.Span);
            }
        }
        var record = new byte[RecordHeader.Size + payload.WrittenCount];
        payload.WrittenSpan.CopyTo(record.AsSpan(RecordHeader.Size));
        (header with
        {
            Codec = PayloadCodec.LineDelta,
            Flags = header.Flags & ~RecordFlags.Relative,
            PayloadLength = payload.WrittenCount,
            PayloadChecksum = XxHash3.HashToUInt64(payload.WrittenSpan),
            DictionaryId = lineBase.Id,
        }).WriteTo(record);
        return record;
    }

    /// <summary>
    /// The ops, in the encoder's order: base lines skipped before the lines inserted after them, then
    /// the next base line's copy or edit; runs of one op merged. Null when base lines go backwards.
    /// </summary>
    private static List<LineDeltaStep>? Steps(LineBase lineBase, List<Line> lines)
    {
        var steps = new List<LineDeltaStep>();
        var nextBase = 0;
        var inserts = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.Base < 0)
            {
                inserts++;
                continue;
            }
            if (line.Base < nextBase)
            {
                return null;
            }
            Add(steps, LineDeltaOp.Skip, line.Base - nextBase, -1);
            Add(steps, LineDeltaOp.Insert, inserts, i - inserts);
            inserts = 0;
            var whole = line.Tail.IsEmpty && line.Kept == lineBase.LineLength(line.Base);
            Add(steps, whole ? LineDeltaOp.Copy : LineDeltaOp.Edit, 1, i);
            nextBase = line.Base + 1;
        }
        Add(steps, LineDeltaOp.Skip, lineBase.LineCount - nextBase, -1);
        Add(steps, LineDeltaOp.Insert, inserts, lines.Count - inserts);
        return steps;
    }

    /// <summary>Adds <paramref name="count"/> lines of <paramref name="op"/> from line <paramref name="first"/> of the version, merged into the last op when it is the same.</summary>
    private static void Add(List<LineDeltaStep> steps, LineDeltaOp op, int count, int first)
    {
        if (count == 0)
        {
            return;
        }
        if (steps.Count > 0 && steps[^1].Op == op)
        {
            steps[^1] = steps[^1] with { Count = steps[^1].Count + count };
            return;
        }
        steps.Add(new LineDeltaStep(op, count, -1, first));
    }
}
