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
    public static IMatcher Create(string pattern, bool regex, bool ignoreCase)
    {
        if (regex)
        {
            return new RegexMatcher(PosixRegex.ToDotNet(pattern, ignoreCase), ignoreCase: false, shownPattern: pattern);
        }
        if (ignoreCase && !Ascii.IsValid(pattern))
        {
            return new RegexMatcher(Regex.Escape(pattern), ignoreCase: true);
        }
        return new LiteralMatcher(pattern, ignoreCase);
    }
}
