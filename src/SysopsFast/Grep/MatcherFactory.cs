using System.Text;
using System.Text.RegularExpressions;

namespace SysopsFast.Grep;

public static class MatcherFactory
{
    /// <summary>
    /// <c>-F</c> (default) gives a <see cref="LiteralMatcher"/>; <c>-E</c> a <see cref="RegexMatcher"/>.
    /// <c>-i</c> with non-ASCII text needs Unicode case folding, which only the regex engine does.
    /// </summary>
    public static IMatcher Create(string pattern, bool regex, bool ignoreCase)
    {
        if (regex)
        {
            return new RegexMatcher(pattern, ignoreCase);
        }
        if (ignoreCase && !Ascii.IsValid(pattern))
        {
            return new RegexMatcher(Regex.Escape(pattern), ignoreCase: true);
        }
        return new LiteralMatcher(pattern, ignoreCase);
    }
}
