using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Grep;

/// <summary>
/// Which lines of one line delta base a query selects (the matcher's answer on each base line, or
/// with <c>-v</c> its opposite), found once per query by one pass of the matcher over the base, as
/// over any record. A host's copied base lines then cost a subtraction: the selected lines in
/// <c>[from, to)</c> are <c>Prefix[to] − Prefix[from]</c>. Immutable once built: shared by the workers.
/// </summary>
internal sealed class BaseMatch
{
    public BaseMatch(LineBase lineBase, IMatcher matcher, bool invert)
    {
        Base = lineBase;
        var count = lineBase.LineCount;
        var matched = Matched(lineBase, matcher);
        Prefix = new int[count + 1];
        for (var i = 0; i < count; i++)
        {
            Prefix[i + 1] = Prefix[i] + (matched[i] != invert ? 1 : 0);
        }
        Selected = new int[Prefix[count]];
        for (var i = 0; i < count; i++)
        {
            if (Prefix[i + 1] > Prefix[i])
            {
                Selected[Prefix[i]] = i;
            }
        }
    }

    public LineBase Base { get; }

    /// <summary>Selected base lines before line i (<c>Prefix[LineCount]</c>: all of them).</summary>
    public int[] Prefix { get; }

    /// <summary>The selected base lines in order: those in <c>[from, to)</c> are <c>Selected[Prefix[from] .. Prefix[to]]</c>.</summary>
    public int[] Selected { get; }

    /// <summary>Selected lines in base lines <c>[from, to)</c>.</summary>
    public int SelectedIn(int from, int to) => Prefix[to] - Prefix[from];

    /// <summary>
    /// The end of the shortest range from <paramref name="from"/> that holds <paramref name="wanted"/>
    /// selected lines (at least 1, and no more than there are after it): where -m cuts a copied range.
    /// </summary>
    public int EndAfter(int from, long wanted) => Selected[Prefix[from] + (int)wanted - 1] + 1;

    /// <summary>The matcher walked over the whole base once, as <see cref="LineSearcher"/> walks a record, its matches mapped to line numbers.</summary>
    private static bool[] Matched(LineBase lineBase, IMatcher matcher)
    {
        var text = lineBase.Contents.AsSpan();
        var matched = new bool[lineBase.LineCount];
        var line = 0;
        var from = 0;
        while (from < text.Length && matcher.FindNextLine(text, from, out var start, out var end))
        {
            while (lineBase.LineStart(line + 1) <= start)
            {
                line++;
            }
            matched[line] = true;
            from = end + 1;
        }
        return matched;
    }
}

/// <summary>The <see cref="BaseMatch"/> of each base one query meets, shared by its workers.</summary>
internal sealed class BaseMatchCache(bool invert)
{
    private readonly PerBase<BaseMatch> _byBase = new();

    /// <summary>The base's match; <paramref name="matcher"/> is the caller's own (a matcher is one thread's).</summary>
    public BaseMatch For(LineBase lineBase, IMatcher matcher) =>
        _byBase.For(lineBase, (matcher, invert), static (b, s) => new BaseMatch(b, s.matcher, s.invert));
}
