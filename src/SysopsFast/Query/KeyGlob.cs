using System.Text;

namespace SysopsFast.Query;

/// <summary>
/// A shell glob over UTF-8 keys, matched on their bytes (no string per key): <c>*</c> any run,
/// <c>?</c> one character, <c>[abc]</c>, <c>[a-z]</c>, <c>[!x]</c> one byte of a set (ASCII),
/// <c>\</c> quotes the next character; case-sensitive. A '[' without its ']' is literal.
/// </summary>
public sealed class KeyGlob
{
    private enum Shape { Literal, Prefix, General }

    private readonly byte[] _pattern;
    private readonly Shape _shape;

    private KeyGlob(string glob)
    {
        Text = glob;
        _pattern = Encoding.UTF8.GetBytes(glob);
        var meta = _pattern.AsSpan().IndexOfAny("*?[\\"u8);
        // Most globs are a name or a prefix ('net.core.*'): those need no pattern walk.
        _shape = meta < 0 ? Shape.Literal
            : meta == _pattern.Length - 1 && _pattern[meta] == (byte)'*' ? Shape.Prefix
            : Shape.General;
    }

    /// <summary>The glob as given.</summary>
    public string Text { get; }

    /// <summary>The glob, or null (every key) when none is given or it is <c>*</c>.</summary>
    public static KeyGlob? Parse(string? glob) => string.IsNullOrEmpty(glob) || glob == "*" ? null : new KeyGlob(glob);

    /// <summary>Whether <paramref name="key"/> (UTF-8) matches the glob.</summary>
    public bool IsMatch(ReadOnlySpan<byte> key) => _shape switch
    {
        Shape.Literal => key.SequenceEqual(_pattern),
        Shape.Prefix => key.StartsWith(_pattern.AsSpan(0, _pattern.Length - 1)),
        _ => MatchGeneral(_pattern, key),
    };

    /// <summary>The glob as given.</summary>
    public override string ToString() => Text;

    /// <summary>Left to right; on a mismatch, the last '*' takes one more byte and the rest is tried again.</summary>
    private static bool MatchGeneral(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> key)
    {
        int p = 0, k = 0, starP = -1, starK = 0;
        while (k < key.Length)
        {
            if (p < pattern.Length && pattern[p] == (byte)'*')
            {
                starP = ++p;
                starK = k;
                continue;
            }
            if (p < pattern.Length && MatchOne(pattern, ref p, key, ref k))
            {
                continue;
            }
            if (starP < 0)
            {
                return false;
            }
            p = starP;
            k = ++starK;
        }
        while (p < pattern.Length && pattern[p] == (byte)'*')
        {
            p++;
        }
        return p == pattern.Length;
    }

    /// <summary>Matches one pattern element at <paramref name="p"/> against the key at <paramref name="k"/>; advances both on success.</summary>
    private static bool MatchOne(ReadOnlySpan<byte> pattern, ref int p, ReadOnlySpan<byte> key, ref int k)
    {
        var c = pattern[p];
        if (c == (byte)'?')
        {
            p++;
            k += CharLength(key, k);
            return true;
        }
        if (c == (byte)'[' && ClassEnd(pattern, p) is var end and > 0)
        {
            if (!InClass(pattern[(p + 1)..end], key[k]))
            {
                return false;
            }
            p = end + 1;
            k++;
            return true;
        }
        if (c == (byte)'\\' && p + 1 < pattern.Length)
        {
            c = pattern[++p];
        }
        if (key[k] != c)
        {
            return false;
        }
        p++;
        k++;
        return true;
    }

    /// <summary>The index of the ']' closing the class at <paramref name="open"/> (a ']' first is a member), or -1.</summary>
    private static int ClassEnd(ReadOnlySpan<byte> pattern, int open)
    {
        var i = open + 1;
        if (i < pattern.Length && (pattern[i] == (byte)'!' || pattern[i] == (byte)'^'))
        {
            i++;
        }
        if (i < pattern.Length && pattern[i] == (byte)']')
        {
            i++;
        }
        var close = pattern[i..].IndexOf((byte)']');
        return close < 0 ? -1 : i + close;
    }

    private static bool InClass(ReadOnlySpan<byte> members, byte b)
    {
        var negate = members.Length > 0 && (members[0] == (byte)'!' || members[0] == (byte)'^');
        if (negate)
        {
            members = members[1..];
        }
        var found = false;
        for (var i = 0; i < members.Length && !found; i++)
        {
            if (i + 2 < members.Length && members[i + 1] == (byte)'-')
            {
                found = b >= members[i] && b <= members[i + 2];
                i += 2;
            }
            else
            {
                found = b == members[i];
            }
        }
        return found != negate;
    }

    /// <summary>Bytes of the UTF-8 character starting at <paramref name="at"/> (1 for a stray byte).</summary>
    private static int CharLength(ReadOnlySpan<byte> key, int at)
    {
        var lead = key[at];
        var length = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        return Math.Min(length, key.Length - at);
    }
}
