using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Grep;

/// <summary>
/// Selects the lines of a line delta record from its ops, the contents never rebuilt: copied base
/// lines are answered by the query's <see cref="BaseMatch"/> (their selected lines counted by a
/// subtraction, handed on only when the target wants them), and only inserted and edited lines are
/// matched, one by one. Selects exactly the lines <see cref="LineSearcher"/> selects in the rebuilt
/// contents, in the same order and with the same numbers. One per worker (its matcher and line buffer).
/// </summary>
internal sealed class DeltaLineSearcher
{
    private readonly IMatcher _matcher;
    private readonly bool _invert;
    private readonly BaseMatchCache _matches;
    private readonly bool _emptySelected;
    private BaseMatch? _last;

    private readonly LiteralLines _literals = new();

    /// <param name="matcher">This worker's matcher.</param>
    /// <param name="invert">Select the lines that do not match (<c>-v</c>); <paramref name="matches"/> was made for the same.</param>
    /// <param name="matches">The query's base matches, shared by its workers.</param>
    public DeltaLineSearcher(IMatcher matcher, bool invert, BaseMatchCache matches)
    {
        _matcher = matcher;
        _invert = invert;
        _matches = matches;
        // An empty line is tested where it lies in a record; alone it would be an empty buffer, which holds no line.
        _emptySelected = matcher.FindNextLine("\n"u8, 0, out _, out _) != invert;
    }

    /// <summary>
    /// Hands <paramref name="target"/> the record's selected lines in order, at most <paramref name="maxCount"/>
    /// (<c>-m</c>). Returns how many were selected, or -1 if the target asked to stop.
    /// </summary>
    public long Search(in LineDeltaRecord record, long maxCount, IDeltaLineTarget target)
    {
        var match = MatchOf(record.Base);
        var reader = LiteralLines.Open(record);
        long selected = 0;
        long emitted = 0;
        var last = record.Lines;
        while (selected < maxCount && emitted < last && reader.TryNext(out var op, out var count))
        {
            if (op == LineDeltaOp.Skip)
            {
                continue;
            }
            if (op == LineDeltaOp.Copy)
            {
                var from = reader.BaseLine - count;
                var to = from + (int)Math.Min(count, last - emitted);
                long found = match.SelectedIn(from, to);
                if (found > maxCount - selected)
                {
                    found = maxCount - selected;
                    to = match.EndAfter(from, found);
                }
                if (found > 0 && !target.Copied(match, from, to, emitted + 1))
                {
                    return -1;
                }
                selected += found;
                emitted += to - from;
                continue;
            }
            for (var k = 0; k < count && emitted < last && selected < maxCount; k++)
            {
                var line = _literals.Next(ref reader, op, record.Base);
                emitted++;
                if (Selects(line))
                {
                    selected++;
                    if (!target.Literal(line, emitted))
                    {
                        return -1;
                    }
                }
            }
        }
        return selected;
    }

    private BaseMatch MatchOf(LineBase lineBase) =>
        _last is { } match && ReferenceEquals(match.Base, lineBase) ? match : _last = _matches.For(lineBase, _matcher);

    private bool Selects(ReadOnlySpan<byte> line) =>
        line.IsEmpty ? _emptySelected : _matcher.FindNextLine(line, 0, out _, out _) != _invert;
}

/// <summary>Where <see cref="DeltaLineSearcher"/> hands a record's selected lines. Each call returns false to stop the query.</summary>
internal interface IDeltaLineTarget
{
    /// <summary>Copied base lines <c>[from, to)</c>, the first numbered <paramref name="firstNumber"/> in the record; every selected one among them is selected.</summary>
    bool Copied(BaseMatch match, int from, int to, long firstNumber);

    /// <summary>A selected inserted or edited line, numbered <paramref name="number"/> in the record.</summary>
    bool Literal(ReadOnlySpan<byte> line, long number);
}
