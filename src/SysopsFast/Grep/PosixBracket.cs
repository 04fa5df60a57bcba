namespace SysopsFast.Grep;

/// <summary>
/// A GNU bracket expression (<c>[…]</c>, <c>[^…]</c>) as a set of code points: ']' first is a
/// member, '\' is itself, '-' first or last is itself, ranges between single characters, POSIX
/// classes, and [=c=] / [.c.] for one ASCII character (GNU's C.UTF-8 locale has no others).
/// </summary>
internal static class PosixBracket
{
    private static readonly HashSet<string> ClassNames =
        ["alpha", "digit", "alnum", "upper", "lower", "space", "blank", "punct", "print", "graph", "cntrl", "xdigit"];

    /// <summary>One member: a character (Code), or a class / equivalence class (Set).</summary>
    private readonly record struct Element(int Code, CodePointSet? Set, bool CanBoundRange);

    /// <param name="pos">Just after the '['; on return, just after the closing ']'.</param>
    /// <returns>The set (folded for -i), whether it is negated, and whether it holds only ASCII word characters.</returns>
    /// <remarks>NeedsRegexReading: GNU grep's DFA leaves this bracket to glibc's regex (see PosixRegex).</remarks>
    /// <param name="ere">The whole expression.</param>
    /// <param name="ignoreCase">Fold the set's letters as GNU grep -i does.</param>
    /// <param name="fail">Makes the error for a malformed bracket.</param>
    public static (CodePointSet Set, bool Negated, bool WordOnly, bool NeedsRegexReading) Parse(string ere, ref int pos, bool ignoreCase, Func<string, Exception> fail)
    {
        var start0 = pos;
        var negated = pos < ere.Length && ere[pos] == '^';
        if (negated)
        {
            pos++;
        }
        var chars = new CodePointSet(); // folded for -i
        var classes = new CodePointSet(); // not folded: GNU folds only [:upper:] and [:lower:], into [:alpha:]
        for (var first = true; ; first = false)
        {
            if (pos >= ere.Length)
            {
                throw fail("unmatched [, [^, [:, [., or [=");
            }
            if (ere[pos] == ']' && !first)
            {
                pos++;
                break;
            }
            var start = ReadElement(ere, ref pos, ignoreCase, fail);
            if (pos + 1 < ere.Length && ere[pos] == '-' && ere[pos + 1] != ']')
            {
                pos++;
                var end = ReadElement(ere, ref pos, ignoreCase, fail);
                AddRange(chars, start, end, ignoreCase, fail);
            }
            else if (start.Set is not null)
            {
                classes.Add(start.Set);
            }
            else if (start.Code == '-' && ere[pos - 1] == '-' && !first && pos < ere.Length && ere[pos] != ']')
            {
                throw fail("invalid range end: a '-' after a range"); // as in [a-c-e]
            }
            else
            {
                chars.Add(start.Code, start.Code);
            }
        }
        var content = ere[(negated ? start0 + 1 : start0)..(pos - 1)];
        if (content.Length > 2 && content[0] == ':' && content[^1] == ':' && content[1..^1].All(char.IsAsciiLetter))
        {
            throw fail("character class syntax is [[:space:]], not [:space:]"); // GNU's own refusal
        }
        var needsRegex = negated || NeedsRegexReading(ere[start0..pos]);
        var all = new CodePointSet();
        all.Add(chars);
        all.Add(classes);
        var wordOnly = !negated && all.IsAsciiWordOnly();
        if (ignoreCase)
        {
            chars.AddCaseCounterparts();
            classes.Add(chars);
            return (classes, negated, wordOnly, needsRegex);
        }
        return (all, negated, wordOnly, needsRegex);
    }

    /// <summary>Classes other than [:digit:], [=c=], [.c.], and ranges other than digit to digit.</summary>
    private static bool NeedsRegexReading(string body)
    {
        if (body.Contains("[=", StringComparison.Ordinal) || body.Contains("[.", StringComparison.Ordinal)
            || body.Replace("[:digit:]", "", StringComparison.Ordinal).Contains("[:", StringComparison.Ordinal))
        {
            return true;
        }
        for (var i = 1; i + 1 < body.Length - 1; i++)
        {
            // A '-' between two members (not first, not last) makes a range.
            if (body[i] == '-' && !(char.IsAsciiDigit(body[i - 1]) && char.IsAsciiDigit(body[i + 1])))
            {
                return true;
            }
        }
        return false;
    }

    private static void AddRange(CodePointSet into, Element start, Element end, bool ignoreCase, Func<string, Exception> fail)
    {
        if (!start.CanBoundRange || !end.CanBoundRange)
        {
            throw fail("invalid range end: a class cannot bound a range");
        }
        if (start.Code >= 0x80 || end.Code >= 0x80)
        {
            // GNU grep in C.UTF-8 refuses non-ASCII range ends ("Invalid collation character").
            throw fail("invalid collation character: a range end outside ASCII");
        }
        // With -i, GNU lower-cases the ends first: [K-k] is [k-k], [Z-a] is reversed.
        var (lo, hi) = ignoreCase ? (ToLower(start.Code), ToLower(end.Code)) : (start.Code, end.Code);
        if (lo > hi)
        {
            throw fail("invalid range end: the range is reversed");
        }
        into.Add(lo, hi);
    }

    private static int ToLower(int c) => char.IsAsciiLetterUpper((char)c) ? c + ('a' - 'A') : c;

    private static Element ReadElement(string ere, ref int pos, bool ignoreCase, Func<string, Exception> fail)
    {
        if (ere[pos] == '[' && pos + 1 < ere.Length && ere[pos + 1] is ':' or '=' or '.')
        {
            return ReadBracketed(ere, ref pos, ignoreCase, fail);
        }
        var c = (int)ere[pos++];
        if (char.IsHighSurrogate((char)c) && pos < ere.Length && char.IsLowSurrogate(ere[pos]))
        {
            c = char.ConvertToUtf32((char)c, ere[pos++]);
        }
        return new Element(c, null, true);
    }

    /// <summary>[:class:], [=c=] or [.c.] at pos.</summary>
    private static Element ReadBracketed(string ere, ref int pos, bool ignoreCase, Func<string, Exception> fail)
    {
        var kind = ere[pos + 1];
        var close = ere.IndexOf(kind + "]", pos + 2, StringComparison.Ordinal);
        if (close < 0)
        {
            throw fail("unmatched [, [^, [:, [., or [=");
        }
        var name = ere[(pos + 2)..close];
        pos = close + 2;
        if (kind == ':')
        {
            if (!ClassNames.Contains(name))
            {
                throw fail($"invalid character class name '{name}'");
            }
            // GNU -i: [:upper:] and [:lower:] both mean any letter.
            var cls = ignoreCase && name is "upper" or "lower" ? "alpha" : name;
            return new Element(-1, CodePointSet.Class(cls), false);
        }
        if (name.Length != 1 || name[0] >= 0x80)
        {
            throw fail($"invalid collation character '{name}' (only a single ASCII character is one)");
        }
        // [=c=] is c (the locale has no equivalences) and cannot bound a range; [.c.] can.
        return new Element(name[0], null, kind == '.');
    }
}
