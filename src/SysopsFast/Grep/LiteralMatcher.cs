using System.Buffers;
using System.Text;

namespace SysopsFast.Grep;

/// <summary>
/// Fixed-string search over the whole value with the runtime's vectorised IndexOf: find the needle
/// first, then the line around it. <c>-i</c> folds ASCII only: it searches (vectorised) for either
/// case of the needle's rarest byte, then compares the whole needle without case around each hit,
/// so no lower-cased copy of the value is made.
/// </summary>
public sealed class LiteralMatcher : IMatcher
{
    private readonly byte[] _needle;
    private readonly bool _ignoreCase;
    private readonly SearchValues<byte>? _anchor;
    private readonly int _anchorOffset;

    /// <summary>Finds <paramref name="needle"/> as bytes (UTF-8); <paramref name="ignoreCase"/> folds ASCII letters only.</summary>
    public LiteralMatcher(string needle, bool ignoreCase = false)
    {
        ArgumentNullException.ThrowIfNull(needle);
        _needle = Encoding.UTF8.GetBytes(needle);
        if (_needle.Contains((byte)'\n'))
        {
            throw Errors.PatternHasNewline();
        }
        _ignoreCase = ignoreCase && _needle.Length > 0;
        if (_ignoreCase)
        {
            _anchorOffset = RarestByteOffset(_needle);
            var b = _needle[_anchorOffset];
            _anchor = SearchValues.Create(b < 0x80 ? [(byte)char.ToLowerInvariant((char)b), (byte)char.ToUpperInvariant((char)b)] : [b]);
        }
    }

    /// <summary>
    /// Letters ranked by how often they occur in English and in config/command output (most common
    /// first); digits and punctuation that is frequent in such text ('.', '_', '=', '/', space) count
    /// as common, other bytes as rare. The rarer the anchor, the fewer candidates to verify.
    /// </summary>
    private static int RarestByteOffset(ReadOnlySpan<byte> needle)
    {
        const string commonFirst = " etaoinsr.=_/0123456789hdlcumpfgwybvk-:jxqz";
        var best = 0;
        var bestRank = -1;
        for (var i = 0; i < needle.Length; i++)
        {
            var c = (char)needle[i];
            var rank = needle[i] < 0x80 ? commonFirst.IndexOf(char.ToLowerInvariant(c), StringComparison.Ordinal) : int.MaxValue;
            rank = rank < 0 ? commonFirst.Length : rank;
            if (rank > bestRank)
            {
                (best, bestRank) = (i, rank);
            }
        }
        return best;
    }

    /// <summary>Whether ASCII case is ignored.</summary>
    public bool IgnoreCase => _ignoreCase;

    internal string Needle => Encoding.UTF8.GetString(_needle);

    /// <inheritdoc/>
    public bool FindNextLine(ReadOnlySpan<byte> buffer, int from, out int lineStart, out int lineEnd)
    {
        var at = from < buffer.Length ? IndexOf(buffer, from) : -1;
        if (at < 0)
        {
            lineStart = lineEnd = buffer.Length;
            return false;
        }
        lineStart = LineBounds.StartOf(buffer, at, from);
        lineEnd = LineBounds.EndOf(buffer, at + _needle.Length);
        return true;
    }

    private int IndexOf(ReadOnlySpan<byte> buffer, int from)
    {
        var rest = buffer[from..];
        if (!_ignoreCase)
        {
            var i = rest.IndexOf(_needle);
            return i < 0 ? -1 : from + i;
        }
        // Hits of the anchor byte at position p mean a candidate needle at p - _anchorOffset.
        var offset = _anchorOffset;
        while (offset < rest.Length)
        {
            var i = rest[offset..].IndexOfAny(_anchor!);
            if (i < 0)
            {
                return -1;
            }
            var candidate = offset + i - _anchorOffset;
            if (rest.Length - candidate < _needle.Length)
            {
                return -1;
            }
            if (System.Text.Ascii.EqualsIgnoreCase(rest.Slice(candidate, _needle.Length), _needle))
            {
                return from + candidate;
            }
            offset = candidate + _anchorOffset + 1;
        }
        return -1;
    }

    /// <inheritdoc/>
    public bool FindInLine(ReadOnlySpan<byte> line, int start, out int matchStart, out int matchLength)
    {
        matchStart = start <= line.Length ? IndexOf(line, start) : -1;
        matchLength = _needle.Length;
        return matchStart >= 0;
    }

    /// <summary>Whether the whole line is the text (<c>-x</c>), case folded as the search is.</summary>
    internal bool IsWholeLine(ReadOnlySpan<byte> line) =>
        _ignoreCase ? System.Text.Ascii.EqualsIgnoreCase(line, _needle) : line.SequenceEqual(_needle);

    /// <inheritdoc/>
    public bool MatchesEmptyInsideCharacter => _needle.Length == 0 && !IgnoreCase; // glibc's -i is never byte-wise

    /// <inheritdoc/>
    public IMatcher CloneForWorker() => this;
}
