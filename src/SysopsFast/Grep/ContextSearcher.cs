namespace SysopsFast.Grep;

/// <summary>
/// The searcher for <c>-m</c>, <c>-A</c>, <c>-B</c> and <c>-C</c>: walks one value's selected lines
/// (the matching ones, or with <c>invert</c> the others) and hands the sink each selected line, the
/// context lines around it, and a group break where two printed groups do not touch, all numbered,
/// as GNU grep does for one file. <see cref="LineSearcher"/> stays the fast path without them.
/// </summary>
public static class ContextSearcher
{
    /// <summary>Returns the number of selected lines, or -1 if the sink asked to stop.</summary>
    public static long Search(ReadOnlySpan<byte> value, IMatcher matcher, bool invert, SelectionLimits limits, IGrepSink sink)
    {
        var walk = new Walk(value, sink);
        var lines = new Selection(matcher, invert);
        long selected = 0;
        while (selected < limits.MaxCount && lines.Next(value, out var start, out var end))
        {
            if (!walk.PrintAfter(start, limits.After) || !walk.PrintBefore(start, limits.Before, limits.HasContext))
            {
                return -1;
            }
            selected++;
            if (!walk.Print(start, end, selected: true))
            {
                return -1;
            }
        }
        // The last selected line's trailing context (after -m's last line too, as GNU does).
        return walk.PrintAfter(value.Length, limits.After) ? selected : -1;
    }

    /// <summary>The selected lines in order: the matching ones, or with invert the others.</summary>
    private struct Selection(IMatcher matcher, bool invert)
    {
        private int _from;
        private int _matchStart = -1; // the next matching line at or after _from (invert), found once
        private int _matchEnd;

        public bool Next(ReadOnlySpan<byte> value, out int start, out int end)
        {
            while (_from < value.Length)
            {
                if (_matchStart < _from && !matcher.FindNextLine(value, _from, out _matchStart, out _matchEnd))
                {
                    _matchStart = _matchEnd = value.Length;
                }
                if (!invert)
                {
                    (start, end) = (_matchStart, _matchEnd);
                    _from = _matchEnd + 1;
                    return start < value.Length;
                }
                if (_matchStart > _from)
                {
                    // The line at _from does not match: it is selected.
                    start = _from;
                    end = LineBounds.EndOf(value, _from);
                    _from = end + 1;
                    return true;
                }
                _from = _matchEnd + 1;
            }
            start = end = value.Length;
            return false;
        }
    }

    /// <summary>What has been printed of one value: where, and the number of the next line to count from.</summary>
    private ref struct Walk(ReadOnlySpan<byte> value, IGrepSink sink)
    {
        private readonly ReadOnlySpan<byte> _value = value;
        private int _printedTo = -1;   // the start of the line after the last one printed; -1: nothing yet
        private int _counted;          // line numbers are known up to here
        private long _number = 1;      // the number of the line starting at _counted
        private int _afterLeft;        // trailing context still owed to the last selected line

        /// <summary>Owed trailing context: lines from the last printed one up to <paramref name="limit"/>.</summary>
        public bool PrintAfter(int limit, int after)
        {
            while (_afterLeft > 0 && _printedTo >= 0 && _printedTo < limit && _printedTo < _value.Length)
            {
                _afterLeft--;
                if (!Print(_printedTo, LineBounds.EndOf(_value, _printedTo), selected: false))
                {
                    return false;
                }
            }
            _afterLeft = after;
            return true;
        }

        /// <summary>Up to <paramref name="before"/> lines before <paramref name="start"/> not printed yet, after a group break if they do not touch what was.</summary>
        public bool PrintBefore(int start, int before, bool context)
        {
            var first = start;
            for (var i = 0; i < before && first > 0 && first > _printedTo; i++)
            {
                first = LineBounds.StartOf(_value, first - 1, Math.Max(0, _printedTo));
            }
            if (context && _printedTo >= 0 && first > _printedTo)
            {
                sink.GroupBreak();
            }
            else if (context && _printedTo < 0)
            {
                sink.GroupStart();
            }
            while (first < start)
            {
                var end = LineBounds.EndOf(_value, first);
                if (!Print(first, end, selected: false))
                {
                    return false;
                }
                first = end + 1;
            }
            return true;
        }

        public bool Print(int start, int end, bool selected)
        {
            _number += _value[_counted..start].Count((byte)'\n');
            _counted = start;
            _printedTo = end + 1;
            if (selected)
            {
                return sink.Matched(_value[start..end], _number);
            }
            sink.Context(_value[start..end], _number);
            return true;
        }
    }
}
