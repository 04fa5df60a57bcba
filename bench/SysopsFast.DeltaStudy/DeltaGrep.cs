using System.Text;
using SysopsFast.Format;
using SysopsFast.Grep;

namespace SysopsFast.DeltaStudy;

/// <summary>
/// The query side of a delta record: the base's lines are matched once per query
/// (<see cref="BaseMatches"/>); each host then costs its ops: a copied range's matches come from a
/// prefix sum (and, for --uniq, a +1/-1 pair in a difference array over the base's lines), and only
/// inserted and edited lines are matched one by one.
/// </summary>
internal sealed class DeltaGrep(BaseMatches matches, IMatcher matcher, DeltaForm form, ZstdSharp.Decompressor? unpack, IGrepSink sink)
{
    private readonly long[] _difference = new long[matches.Base.Lines.Count + 1];
    private byte[] _scratch = [];
    private byte[] _line = new byte[256];

    /// <summary>Lines tested one by one (inserted or edited), over every record: the per-host work.</summary>
    public long LinesTested { get; private set; }

    /// <summary>Selects one host's lines; the number selected, or -1 when the payload is corrupt.</summary>
    public long Search(ReadOnlySpan<byte> payload, int rawLength)
    {
        var lines = matches.Base.Lines;
        if (!DeltaCursor.TryOpen(payload, form, unpack, ref _scratch, rawLength, out var cursor) || cursor.BaseLines != lines.Count)
        {
            return -1;
        }
        long selected = 0;
        var at = 0;
        while (cursor.TryNext(out var kind, out var count))
        {
            if (kind != LineDeltaOp.Insert && count > lines.Count - at)
            {
                return -1;
            }
            if (kind == LineDeltaOp.Copy)
            {
                var found = matches.Prefix[at + count] - matches.Prefix[at];
                if (found > 0)
                {
                    _difference[at]++;
                    _difference[at + count]--;
                    selected += found;
                }
                at += count;
                continue;
            }
            if (kind == LineDeltaOp.Skip)
            {
                at += count;
                continue;
            }
            for (var k = 0; k < count; k++)
            {
                ReadOnlySpan<byte> line;
                if (kind == LineDeltaOp.Insert)
                {
                    if (!cursor.TryLiteral(out line))
                    {
                        return -1;
                    }
                }
                else if (TryEdited(ref cursor, lines, at++, out var length))
                {
                    line = _line.AsSpan(0, length);
                }
                else
                {
                    return -1;
                }
                LinesTested++;
                if (matcher.FindNextLine(line, 0, out _, out _))
                {
                    selected++;
                    sink.Matched(line);
                }
            }
        }
        return cursor.AtEnd && at == lines.Count ? selected : -1;
    }

    /// <summary>An edited line put back together in the line buffer (its base line's kept bytes, then its tail); false when malformed.</summary>
    private bool TryEdited(ref DeltaCursor cursor, Lines lines, int at, out int length)
    {
        length = 0;
        if (!cursor.TryKept(lines.Lengths[at], out var kept) || !cursor.TryLiteral(out var tail))
        {
            return false;
        }
        if (_line.Length < kept + tail.Length)
        {
            _line = new byte[kept + tail.Length];
        }
        lines[at][..kept].CopyTo(_line);
        tail.CopyTo(_line.AsSpan(kept));
        length = kept + tail.Length;
        return true;
    }

    /// <summary>The --uniq counts of the copied base lines, summed over every host searched (added to <paramref name="counts"/>).</summary>
    public void AddBaseCounts(Dictionary<string, long> counts)
    {
        long running = 0;
        for (var i = 0; i < matches.Matched.Length; i++)
        {
            running += _difference[i];
            if (matches.Matched[i] && running > 0)
            {
                var line = Encoding.UTF8.GetString(matches.Base.Lines[i]);
                counts[line] = counts.GetValueOrDefault(line) + running;
            }
        }
    }
}

/// <summary>Which of the base's lines a query's matcher selects, and how many before each line.</summary>
internal sealed class BaseMatches
{
    public BaseMatches(ObjectBase b, IMatcher matcher)
    {
        Base = b;
        var lines = b.Lines;
        Matched = new bool[lines.Count];
        Prefix = new int[lines.Count + 1];
        var line = 0;
        var from = 0;
        // One pass of the matcher over the base text, as over any record; matches are mapped to line numbers.
        while (from < lines.Text.Length && matcher.FindNextLine(lines.Text, from, out var start, out var end))
        {
            while (lines.Starts[line] + lines.Lengths[line] < start)
            {
                line++;
            }
            Matched[line] = true;
            from = end + 1;
        }
        for (var i = 0; i < lines.Count; i++)
        {
            Prefix[i + 1] = Prefix[i] + (Matched[i] ? 1 : 0);
        }
    }

    public ObjectBase Base { get; }
    public bool[] Matched { get; }
    public int[] Prefix { get; }
}
