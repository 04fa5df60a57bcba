namespace SysopsFast.Redis;

/// <summary>
/// The glob dialect of SCAN MATCH and KEYS (<c>*</c>, <c>?</c>, <c>[abc]</c>, <c>[^a-z]</c>,
/// <c>\x</c>) over bytes, case-sensitive, so that the key catalog selects exactly the keys SCAN would.
/// Redis matches by recursion; this walks both strings once and backtracks only to the last
/// <c>*</c>, so a hostile pattern costs O(pattern × text), never exponential time.
/// </summary>
internal static class RedisGlob
{
    public static bool HasWildcards(ReadOnlySpan<byte> pattern) => pattern.IndexOfAny("*?[\\"u8) >= 0;

    public static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length)
            {
                if (pattern[p] == (byte)'*')
                {
                    while (p < pattern.Length && pattern[p] == (byte)'*')
                    {
                        p++;
                    }
                    if (p == pattern.Length)
                    {
                        return true;
                    }
                    starP = p;
                    starT = t;
                    continue;
                }
                if (MatchOne(pattern, ref p, text[t]))
                {
                    t++;
                    continue;
                }
            }
            if (starP < 0)
            {
                return false;
            }
            // Let the last '*' swallow one more character and retry from just after it.
            p = starP;
            t = ++starT;
        }
        while (p < pattern.Length && pattern[p] == (byte)'*')
        {
            p++;
        }
        return p == pattern.Length;
    }

    /// <summary>Whether the element at <paramref name="p"/> matches <paramref name="c"/>; on a match, moves past the element.</summary>
    private static bool MatchOne(ReadOnlySpan<byte> pattern, ref int p, byte c)
    {
        switch (pattern[p])
        {
            case (byte)'?':
                p++;
                return true;
            case (byte)'\\' when p + 1 < pattern.Length:
                if (pattern[p + 1] != c)
                {
                    return false;
                }
                p += 2;
                return true;
            case (byte)'[':
                return MatchClass(pattern, ref p, c);
            default:
                if (pattern[p] != c)
                {
                    return false;
                }
                p++;
                return true;
        }
    }

    /// <summary>A bracket class as Redis reads it: <c>^</c> negates, <c>a-z</c> is a range (either order), <c>\</c> escapes, an unclosed class runs to the end, and <c>[a-]</c> is the range a..] (Redis's quirks, kept).</summary>
    private static bool MatchClass(ReadOnlySpan<byte> pattern, ref int p, byte c)
    {
        var i = p + 1;
        var negate = i < pattern.Length && pattern[i] == (byte)'^';
        if (negate)
        {
            i++;
        }
        var matched = false;
        while (i < pattern.Length && pattern[i] != (byte)']')
        {
            if (pattern[i] == (byte)'\\' && i + 1 < pattern.Length)
            {
                matched |= pattern[i + 1] == c;
                i += 2;
            }
            else if (i + 2 < pattern.Length && pattern[i + 1] == (byte)'-')
            {
                // Redis compares C chars, which are signed on x86-64: a range with a byte >= 0x80 in
                // it behaves as it does on an x86-64 server (checked against one by the tests).
                int a = (sbyte)pattern[i], b = (sbyte)pattern[i + 2], x = (sbyte)c;
                matched |= x >= Math.Min(a, b) && x <= Math.Max(a, b);
                i += 3;
            }
            else
            {
                matched |= pattern[i] == c;
                i++;
            }
        }
        if (negate)
        {
            matched = !matched;
        }
        if (matched)
        {
            p = i < pattern.Length ? i + 1 : i;
        }
        return matched;
    }
}
