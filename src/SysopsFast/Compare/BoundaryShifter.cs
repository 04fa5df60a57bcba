namespace SysopsFast.Compare;

/// <summary>
/// Where a run of changed lines could sit a line higher or lower (the line before it equals its last
/// line, or the line after it equals its first), several scripts are equally short. GNU diff settles
/// it after its search, and we follow the same rule so that our hunks are its hunks: each run slides
/// down as far as it goes (never further than the horizon into the common suffix), joining the runs it
/// meets; then, if on the way it stood face to face with a change of the other text, it goes back up
/// to the lowest such place.
/// </summary>
internal static class BoundaryShifter
{
    /// <summary>
    /// Shifts the runs of <paramref name="changed"/> (the lines of one text) in place; no run moves
    /// past line <paramref name="limit"/> (GNU's horizon into the common suffix).
    /// </summary>
    public static void Shift(int[] lines, bool[] changed, bool[] otherChanged, int limit)
    {
        var walk = new Walk(lines, changed, otherChanged, limit);
        while (walk.NextRun())
        {
            walk.Settle();
        }
    }

    /// <summary>
    /// A run [Start, End) of changed lines and Match, the line of the other text that line End is
    /// paired with (the other text's length past its last line). Unchanged lines pair in order.
    /// </summary>
    private struct Walk(int[] lines, bool[] changed, bool[] otherChanged, int limit)
    {
        private int _start;
        private int _end;
        private int _match;

        /// <summary>Moves past unchanged lines to the next run; false at the end of the text.</summary>
        public bool NextRun()
        {
            while (_end < limit && !changed[_end])
            {
                _match = SkipOtherChanges(_match) + 1;
                _end++;
            }
            if (_end == limit)
            {
                return false;
            }
            _start = _end;
            while (_end < limit && changed[_end])
            {
                _end++;
            }
            _match = SkipOtherChanges(_match);
            return true;
        }

        public void Settle()
        {
            int length;
            int facing;
            do
            {
                length = _end - _start;
                while (_start > 0 && lines[_start - 1] == lines[_end - 1])
                {
                    Up();
                    // Joins the run above, if any.
                    while (_start > 0 && changed[_start - 1])
                    {
                        _start--;
                    }
                }
                facing = FacesOtherChange() ? _end : limit;
                while (_end < limit && lines[_start] == lines[_end])
                {
                    Down(ref facing);
                }
            }
            while (length != _end - _start);   // a run that grew may slide further: again

            while (facing < _end)
            {
                Up();
            }
        }

        /// <summary>The line above the run becomes changed and the run's last line unchanged.</summary>
        private void Up()
        {
            changed[--_start] = true;
            changed[--_end] = false;
            // Line End takes the pairing of the line that was unchanged above the run.
            do
            {
                _match--;
            }
            while (otherChanged[_match]);
        }

        private void Down(ref int facing)
        {
            changed[_start++] = false;
            changed[_end++] = true;
            while (_end < limit && changed[_end])
            {
                _end++;   // joins the run below
            }
            // The line freed at the top takes line End's old pairing; End pairs with the next one.
            for (_match++; _match < otherChanged.Length && otherChanged[_match]; _match++)
            {
                facing = _end;
            }
        }

        private readonly bool FacesOtherChange() => _match > 0 && otherChanged[_match - 1];

        private readonly int SkipOtherChanges(int at)
        {
            while (at < otherChanged.Length && otherChanged[at])
            {
                at++;
            }
            return at;
        }
    }
}
