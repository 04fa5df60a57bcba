using System.Text;
using System.Text.RegularExpressions;

namespace SysopsFast.Grep;

public static class MatcherFactory
{
    /// <summary>
    /// <c>-F</c> (default) gives a <see cref="LiteralMatcher"/>; <c>-E</c> a <see cref="RegexMatcher"/>
    /// of the pattern read as GNU grep -E reads it (<see cref="PosixRegex"/>), case folded as GNU
    /// folds it, so the engine's own case folding is not used.
    /// <c>-i</c> with non-ASCII text needs Unicode case folding, which only the regex engine does.
    /// </summary>
    /// <param name="wholeLine"><c>-x</c>: the pattern must match a whole line.</param>
    /// <param name="wholeWord"><c>-w</c>: a match must be a whole word.</param>
    public static IMatcher Create(string pattern, bool regex, bool ignoreCase, bool wholeLine = false, bool wholeWord = false)
    {
        var matcher = Plain(pattern, regex, ignoreCase, wholeLine);
        // -x wins over -w, as in GNU grep (a whole line is a whole word too).
        return wholeWord && !wholeLine ? new WordMatcher(matcher) : matcher;
    }

    private static IMatcher Plain(string pattern, bool regex, bool ignoreCase, bool wholeLine)
    {
        if (regex)
        {
            return new RegexMatcher(PosixRegex.ToDotNet(pattern, ignoreCase), ignoreCase: false, shownPattern: pattern, wholeLine);
        }
        if (ignoreCase && !Ascii.IsValid(pattern))
        {
            return new RegexMatcher(Regex.Escape(pattern), ignoreCase: true, wholeLine);
        }
        var literal = new LiteralMatcher(pattern, ignoreCase);
        return wholeLine ? new WholeLineMatcher(literal) : literal;
    }
}
