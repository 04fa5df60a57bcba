using System.Text;

namespace SysopsFast.Grep;

/// <summary>
/// Finds a literal that every match of a regular expression must contain, so that the matcher can
/// search the whole value for it (vectorised) and run the regex only on lines that have it. It is
/// conservative: when in doubt (alternation, inline options, a case-insensitive pattern, escapes
/// that are not plain punctuation) there is no literal, and every line goes to the regex.
/// </summary>
internal static class RegexLiteral
{
    /// <summary>Shorter literals filter too little to pay for the extra pass.</summary>
    public const int MinimumLength = 3;

    /// <returns>The literal, or null.</returns>
    public static string? Required(string pattern, bool ignoreCase)
    {
        // Case folding (including non-ASCII equivalents such as the Kelvin sign for k) and inline
        // options such as (?i) change what a literal may look like in the input.
        if (ignoreCase || pattern.Contains("(?", StringComparison.Ordinal))
        {
            return null;
        }
        var best = "";
        var run = new StringBuilder();
        var depth = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (depth > 0)
            {
                // Inside a group: skipped (it may be optional or alternated); only its end matters.
                switch (c)
                {
                    case '\\':
                        i++;
                        break;
                    case '[':
                        i = SkipClass(pattern, i);
                        break;
                    case '(':
                        depth++;
                        break;
                    case ')':
                        depth--;
                        break;
                }
                continue;
            }
            switch (c)
            {
                case '|':
                    return null; // top-level alternation: no single literal is required
                case '(':
                    EndRun();
                    depth++;
                    break;
                case '[':
                    EndRun();
                    i = SkipClass(pattern, i);
                    break;
                case '*' or '?':
                    DropLastAndEnd();
                    break;
                case '+':
                    EndRun(); // the previous character is there at least once: keep it
                    break;
                case '{':
                    if (TryQuantifier(pattern, i, out var min, out var end))
                    {
                        if (min == 0)
                        {
                            DropLastAndEnd();
                        }
                        else
                        {
                            EndRun();
                        }
                        i = end;
                    }
                    else
                    {
                        run.Append(c); // not a quantifier: .NET reads a lone brace as itself
                    }
                    break;
                case '.' or '^' or '$' or ')' or '\uFFFD':
                    EndRun();
                    break;
                case '\\':
                    if (i + 1 < pattern.Length && !char.IsLetterOrDigit(pattern[i + 1]) && !char.IsWhiteSpace(pattern[i + 1]))
                    {
                        run.Append(pattern[++i]); // an escaped punctuation character is itself
                    }
                    else
                    {
                        // \d, \w, \b, \n, \x41, \u0041, \p{L}, \k<n>: not this character, and what
                        // follows may be its argument: skip that too rather than guess where it ends.
                        EndRun();
                        i++;
                        // ',' too: stopping inside a quantifier ("\bS{0,3}") would start a run with ",3}".
                        while (i + 1 < pattern.Length && (char.IsLetterOrDigit(pattern[i + 1]) || pattern[i + 1] is '{' or '}' or ',' or '<' or '>' or '_'))
                        {
                            i++;
                        }
                    }
                    break;
                default:
                    run.Append(c);
                    break;
            }
        }
        EndRun();
        return best.Length >= MinimumLength ? best : null;

        void EndRun()
        {
            if (run.Length > best.Length)
            {
                best = run.ToString();
            }
            run.Clear();
        }

        void DropLastAndEnd()
        {
            if (run.Length > 0)
            {
                run.Length--;
            }
            EndRun();
        }
    }

    /// <summary>The index of the class's closing ']' (a ']' first in the class is a member).</summary>
    private static int SkipClass(string pattern, int open)
    {
        var i = open + 1;
        if (i < pattern.Length && pattern[i] == '^')
        {
            i++;
        }
        if (i < pattern.Length && pattern[i] == ']')
        {
            i++;
        }
        for (; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\')
            {
                i++;
            }
            else if (pattern[i] == ']')
            {
                return i;
            }
        }
        return pattern.Length;
    }

    /// <summary>{n}, {n,} or {n,m} at <paramref name="open"/>; anything else is a literal brace.</summary>
    private static bool TryQuantifier(string pattern, int open, out int min, out int end)
    {
        min = 0;
        end = pattern.IndexOf('}', open);
        if (end < 0)
        {
            return false;
        }
        var body = pattern.AsSpan(open + 1, end - open - 1);
        var comma = body.IndexOf(',');
        var first = comma < 0 ? body : body[..comma];
        var rest = comma < 0 ? [] : body[(comma + 1)..];
        return first.Length > 0 && int.TryParse(first, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out min)
            && (rest.IsEmpty || int.TryParse(rest, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _));
    }
}
