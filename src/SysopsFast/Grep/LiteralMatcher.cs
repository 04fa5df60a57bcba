using System.Buffers;
using System.Text;

namespace SysopsFast.Grep;

/// <summary>
/// Fixed-string search over the whole value with the runtime's vectorised IndexOf: find the needle
/// first, then the line around it. <c>-i</c> folds ASCII only and searches for either case of the
/// needle's first byte, so no lower-cased copy of the value is made.
/// </summary>
public sealed class LiteralMatcher : IMatcher
{
    private readonly byte[] _needle;
    private readonly bool _ignoreCase;
    private readonly SearchValues<byte>? _firstByte;

    public LiteralMatcher(string needle, bool ignoreCase = false)
    {
        ArgumentNullException.ThrowIfNull(needle);
        _needle = Encoding.UTF8.GetBytes(needle);
        if (_needle.Contains((byte)'\n'))
        {
            throw Errors.BadArgument("the search text contains a newline; lines are matched one at a time, so it could never match");
        }
        _ignoreCase = ignoreCase && _needle.Length > 0;
        if (_ignoreCase)
        {
            var b = _needle[0];
            _firstByte = SearchValues.Create([(byte)char.ToLowerInvariant((char)b), (byte)char.ToUpperInvariant((char)b)]);
            if (b >= 0x80)
            {
                _firstByte = SearchValues.Create([b]);
            }
        }
    }

    public bool IgnoreCase => _ignoreCase;

    public bool FindNextLine(ReadOnlySpan<byte> buffer, int from, out int lineStart, out int lineEnd)
    {
        var at = IndexOf(buffer, from);
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
        var offset = 0;
        while (rest.Length - offset >= _needle.Length)
        {
            var i = rest[offset..].IndexOfAny(_firstByte!);
            if (i < 0)
            {
                return -1;
            }
            var candidate = offset + i;
            if (rest.Length - candidate < _needle.Length)
            {
                return -1;
            }
            if (System.Text.Ascii.EqualsIgnoreCase(rest.Slice(candidate, _needle.Length), _needle))
            {
                return from + candidate;
            }
            offset = candidate + 1;
        }
        return -1;
    }

    public IMatcher CloneForWorker() => this;
}
