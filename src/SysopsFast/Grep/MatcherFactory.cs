using System.Buffers;

namespace SysopsFast.Grep;

/// <summary>Picks the fastest matcher that selects GNU grep's lines for a pattern and its options.</summary>
public static class MatcherFactory
{
    /// <summary>Characters that make a GNU extended regular expression more than its own text.</summary>
    private static readonly SearchValues<char> EreMetacharacters = SearchValues.Create(@"\.[]()*+?{}|^$");

    /// <summary>
    /// A regular expression (default) is read as GNU <c>grep -E</c> reads it (<see cref="PosixRegex"/>),
    /// case folded as GNU folds it, so the engine's own case folding is not used. Literal text
    /// (<paramref name="regex"/> false, or a pattern without metacharacters, which selects the same
    /// lines either way) gives a vectorised <see cref="LiteralMatcher"/>, whose <c>-i</c> folds ASCII
    /// only: text whose letters have non-ASCII case counterparts under GNU's folding ("s" and ſ)
    /// goes through the regex engine instead.
    /// </summary>
    /// <param name="wholeLine"><c>-x</c>: the pattern must match a whole line.</param>
    /// <param name="wholeWord"><c>-w</c>: a match must be a whole word.</param>
    /// <param name="pattern">The pattern as the user wrote it.</param>
    /// <param name="regex">Read it as a GNU extended regular expression (<c>grep -E</c>); false: literal text (<c>-F</c>).</param>
    /// <param name="ignoreCase"><c>-i</c>: fold case as GNU grep does.</param>
    public static IMatcher Create(string pattern, bool regex, bool ignoreCase, bool wholeLine = false, bool wholeWord = false)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Contains('\n'))
        {
            throw Errors.PatternHasNewline();
        }
        var matcher = Plain(pattern, regex, ignoreCase, wholeLine);
        // -x wins over -w, as in GNU grep (a whole line is a whole word too).
        return wholeWord && !wholeLine ? new WordMatcher(matcher) : matcher;
    }

    /// <summary>Whether the pattern, read as a regular expression, is just its own text.</summary>
    public static bool IsLiteral(string pattern) => !pattern.AsSpan().ContainsAny(EreMetacharacters);

    private static IMatcher Plain(string pattern, bool regex, bool ignoreCase, bool wholeLine)
    {
        if (regex && !IsLiteral(pattern))
        {
            return Regex(pattern, shownPattern: pattern, ignoreCase, wholeLine);
        }
        if (ignoreCase && !CodePointSet.FoldsWithinAscii(pattern))
        {
            return Regex(EscapeEre(pattern), shownPattern: pattern, ignoreCase, wholeLine);
        }
        var literal = new LiteralMatcher(pattern, ignoreCase);
        return wholeLine ? new WholeLineMatcher(literal) : literal;
    }

    private static RegexMatcher Regex(string ere, string shownPattern, bool ignoreCase, bool wholeLine)
    {
        var (dotNet, tree) = PosixRegex.Parse(ere, ignoreCase);
        return new(dotNet, ignoreCase: false, shownPattern, wholeLine, Prefilter(ere, ignoreCase), tree);
    }

    /// <summary>
    /// The text every match must hold, searched before the regex runs. Under -i it is found in the
    /// case-sensitive reading of the pattern, and its longest piece whose letters fold within ASCII
    /// ("hostname" gives "tname": s and i have non-ASCII counterparts) is searched with ASCII
    /// folding, which finds every line an -i match is on.
    /// </summary>
    private static LiteralMatcher? Prefilter(string ere, bool ignoreCase)
    {
        string? literal;
        try
        {
            literal = RegexLiteral.Required(PosixRegex.ToDotNet(ere, ignoreCase: false), ignoreCase: false);
        }
        catch (SysopsFastException)
        {
            return null; // valid only folded, such as [a-Z] under -i: no prefilter, still correct
        }
        if (literal is not null && ignoreCase)
        {
            literal = LongestAsciiFoldingPiece(literal);
        }
        return literal is null || literal.Length < RegexLiteral.MinimumLength ? null : RegexMatcher.Prefilter(literal, ignoreCase);
    }

    private static string LongestAsciiFoldingPiece(string text)
    {
        var best = "";
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i == text.Length || !CodePointSet.FoldsWithinAscii(text.AsSpan(i, 1)))
            {
                if (i - start > best.Length)
                {
                    best = text[start..i];
                }
                start = i + 1;
            }
        }
        return best;
    }

    private static string EscapeEre(string text)
    {
        var escaped = new System.Text.StringBuilder(text.Length * 2);
        foreach (var c in text)
        {
            if (EreMetacharacters.Contains(c))
            {
                escaped.Append('\\');
            }
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
