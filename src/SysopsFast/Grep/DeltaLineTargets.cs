namespace SysopsFast.Grep;

/// <summary>
/// A sink that uses only how many lines each record selected (<see cref="IGrepSink.EndRecord"/>),
/// never their text (<c>-c</c>, <c>-l</c>, <c>-L</c>): a line delta record's copied lines are then
/// counted without being handed on.
/// </summary>
internal interface ICountingSink
{
}

/// <summary>The delta searcher's target for a sink: how it takes a record's lines decides what the searcher hands on.</summary>
internal static class DeltaLineTargets
{
    /// <summary>Selected lines counted, none handed on (a join's "does the record have one").</summary>
    public static IDeltaLineTarget CountOnly => Counted.Instance;

    /// <summary>
    /// The target for <paramref name="sink"/>: counted only, tallied per base line (<c>--uniq</c>), or
    /// every selected line handed on in order, numbered when the sink or a limit numbers them (as
    /// <see cref="LineSearcher"/> does).
    /// </summary>
    public static IDeltaLineTarget For(IGrepSink sink, SelectionLimits limits) => sink switch
    {
        ICountingSink => CountOnly,
        UniqCountSink uniq => new UniqTally(uniq),
        _ => new EachLine(sink, numbered: sink.NeedsLineNumbers || !limits.IsNone),
    };

    /// <summary>Lines counted, nothing handed on.</summary>
    private sealed class Counted : IDeltaLineTarget
    {
        public static readonly Counted Instance = new();

        public bool Copied(BaseMatch match, int from, int to, long firstNumber) => true;

        public bool Literal(ReadOnlySpan<byte> line, long number) => true;
    }

    /// <summary>Every selected line to the sink, copied ones read where they lie in the base.</summary>
    private sealed class EachLine(IGrepSink sink, bool numbered) : IDeltaLineTarget
    {
        public bool Copied(BaseMatch match, int from, int to, long firstNumber)
        {
            for (var s = match.Prefix[from]; s < match.Prefix[to]; s++)
            {
                var line = match.Selected[s];
                if (!Literal(match.Base.Line(line), firstNumber + line - from))
                {
                    return false;
                }
            }
            return true;
        }

        public bool Literal(ReadOnlySpan<byte> line, long number) => numbered ? sink.Matched(line, number) : sink.Matched(line);
    }
}

/// <summary>
/// <c>--uniq</c> over line delta records: a copied range is a +1/−1 pair in a difference array over
/// its base's lines (one per base this worker met), summed into the sink's table once, at the end
/// (<see cref="Flush"/>); inserted and edited lines go to the sink as they are found.
/// </summary>
internal sealed class UniqTally(UniqCountSink sink) : IDeltaLineTarget
{
    private readonly Dictionary<BaseMatch, long[]> _differences = new(ReferenceEqualityComparer.Instance);
    private BaseMatch? _lastMatch;
    private long[] _last = [];

    public bool Copied(BaseMatch match, int from, int to, long firstNumber)
    {
        if (!ReferenceEquals(match, _lastMatch))
        {
            _lastMatch = match;
            if (!_differences.TryGetValue(match, out _last!))
            {
                _differences.Add(match, _last = new long[match.Base.LineCount + 1]);
            }
        }
        _last[from]++;
        _last[to]--;
        return true;
    }

    public bool Literal(ReadOnlySpan<byte> line, long number) => sink.Matched(line);

    /// <summary>Each selected base line counted once per record that copied it.</summary>
    public void Flush()
    {
        foreach (var (match, difference) in _differences)
        {
            long running = 0;
            for (var line = 0; line < match.Base.LineCount; line++)
            {
                running += difference[line];
                if (running > 0 && match.SelectedIn(line, line + 1) > 0)
                {
                    sink.Add(match.Base.Line(line), running);
                }
            }
        }
        _differences.Clear();
        _lastMatch = null;
    }
}
