using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;

namespace SysopsFast.Grep;

/// <summary>
/// Regular expressions, always with <see cref="RegexOptions.NonBacktracking"/> so that no pattern
/// and no input can make a query hang. Each line is decoded to UTF-16 in a per-worker scratch buffer
/// (invalid UTF-8 becomes U+FFFD) and tested on its own, so ^ and $ mean line start and end.
/// When every match must contain some literal text (<see cref="RegexLiteral"/>), the value is
/// searched for it first (a <see cref="LiteralMatcher"/>, vectorised) and only the lines that hold
/// it are decoded and tested. Where a match is in a line (for -o, -w and colour: leftmost, then
/// longest, as POSIX has it) a <see cref="LongestMatchAutomaton"/> finds, when the pattern came
/// with its tree; without one, the engine's first match is taken.
/// </summary>
public sealed class RegexMatcher : IMatcher
{
    /// <summary>
    /// The longest line a regular expression is run on: the engine reads UTF-16, twice a line's
    /// bytes, and the record the line is in (up to 128 MiB) is held beside it, so a longer line
    /// would take the client past its memory bound. Longer lines are an error, never truncated.
    /// </summary>
    public const int MaxLineLength = 32 << 20;

    private readonly RegexPool _regexes;
    private readonly LiteralMatcher? _prefilter;
    private readonly RegexNode? _tree;
    private LongestMatchAutomaton? _longest;
    private bool _longestBuilt;
    private char[] _chars = [];

    /// <param name="wholeLine"><c>-x</c>: the pattern must match a whole line.</param>
    /// <param name="pattern">A .NET regular expression.</param>
    /// <param name="ignoreCase">Let the engine fold case.</param>
    public RegexMatcher(string pattern, bool ignoreCase = false, bool wholeLine = false)
        : this(pattern, ignoreCase, shownPattern: pattern, wholeLine)
    {
    }

    /// <param name="shownPattern">The pattern as the user wrote it, for errors (a translated one differs).</param>
    /// <param name="pattern">A .NET regular expression.</param>
    /// <param name="ignoreCase">Let the engine fold case.</param>
    /// <param name="wholeLine"><c>-x</c>: the pattern must match a whole line.</param>
    internal RegexMatcher(string pattern, bool ignoreCase, string shownPattern, bool wholeLine = false)
        : this(pattern, ignoreCase, shownPattern, wholeLine, Prefilter(RegexLiteral.Required(pattern, ignoreCase), ignoreCase: false))
    {
    }

    /// <param name="prefilter">Finds text every matching line holds (what p needs, ^(?:p)$ needs too).</param>
    /// <param name="tree">The pattern's tree, for where matches are (without it, the engine's first match).</param>
    /// <param name="pattern">A .NET regular expression.</param>
    /// <param name="ignoreCase">Let the engine fold case.</param>
    /// <param name="shownPattern">The pattern as the user wrote it, for errors.</param>
    /// <param name="wholeLine"><c>-x</c>: the pattern must match a whole line.</param>
    internal RegexMatcher(string pattern, bool ignoreCase, string shownPattern, bool wholeLine, LiteralMatcher? prefilter, RegexNode? tree = null)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        pattern = wholeLine ? "^(?:" + pattern + ")$" : pattern;
        var options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;
        if (ignoreCase)
        {
            options |= RegexOptions.IgnoreCase;
        }
        try
        {
            _regexes = new RegexPool(new Regex(pattern, options), () => new Regex(pattern, options));
        }
        catch (ArgumentException e)
        {
            throw Errors.BadRegex(shownPattern, e.Message);
        }
        catch (NotSupportedException e)
        {
            // NonBacktracking refuses backreferences, lookarounds and huge automata: the price of never hanging.
            throw Errors.BadRegex(shownPattern, e.Message);
        }
        _prefilter = prefilter;
        _tree = wholeLine ? null : tree; // -x: a match is the whole line
    }

    private RegexMatcher(RegexPool regexes, LiteralMatcher? prefilter, RegexNode? tree)
    {
        _regexes = regexes;
        _prefilter = prefilter;
        _tree = tree;
    }

    internal static LiteralMatcher? Prefilter(string? literal, bool ignoreCase) =>
        literal is null ? null : new LiteralMatcher(literal, ignoreCase);

    /// <summary>The literal every match contains, if the pattern has one (for tests).</summary>
    internal string? RequiredLiteral => _prefilter?.Needle;

    /// <summary>Whether the literal is searched with ASCII case folding (for tests).</summary>
    internal bool PrefilterIgnoresCase => _prefilter?.IgnoreCase ?? false;

    /// <inheritdoc/>
    public bool FindNextLine(ReadOnlySpan<byte> buffer, int from, out int lineStart, out int lineEnd)
    {
        var start = from;
        while (start < buffer.Length)
        {
            // Jump to the next line that holds the literal; a line without it cannot match.
            if (_prefilter is not null && !_prefilter.FindNextLine(buffer, start, out start, out _))
            {
                break;
            }
            var end = LineBounds.EndOf(buffer, start);
            var line = buffer[start..end];
            if (IsMatch(Decode(line)))
            {
                lineStart = start;
                lineEnd = end;
                return true;
            }
            start = end + 1;
        }
        lineStart = lineEnd = buffer.Length;
        return false;
    }

    private bool IsMatch(ReadOnlySpan<char> line)
    {
        using var lease = _regexes.Rent();
        return lease.Regex.IsMatch(line);
    }

    /// <summary>The line as UTF-16 in the worker's scratch buffer (invalid UTF-8 becomes U+FFFD).</summary>
    private ReadOnlySpan<char> Decode(ReadOnlySpan<byte> line)
    {
        if (line.Length > MaxLineLength)
        {
            throw Errors.LineTooLongForRegex(line.Length, MaxLineLength);
        }
        var needed = line.Length; // UTF-8 never decodes to more UTF-16 units than bytes
        if (_chars.Length < needed)
        {
            if (_chars.Length > 0)
            {
                ArrayPool<char>.Shared.Return(_chars);
            }
            _chars = ArrayPool<char>.Shared.Rent(Math.Max(needed, 4096));
        }
        return _chars.AsSpan(0, Encoding.UTF8.GetChars(line, _chars));
    }

    /// <summary>Offsets move between bytes and chars through the UTF-8 lengths of what precedes them (exact for valid UTF-8).</summary>
    public bool FindInLine(ReadOnlySpan<byte> line, int start, out int matchStart, out int matchLength)
    {
        matchStart = matchLength = 0;
        if (start > line.Length)
        {
            return false;
        }
        var chars = Decode(line);
        var from = Encoding.UTF8.GetCharCount(line[..start]);
        int index, end;
        if (Longest() is { } automaton)
        {
            if (!automaton.Find(chars, from, chars.Length, anchored: false, out index, out end))
            {
                return false;
            }
        }
        else
        {
            if (!FirstMatch(chars, from, out index, out end))
            {
                return false;
            }
        }
        matchStart = start + Encoding.UTF8.GetByteCount(chars[from..index]);
        matchLength = Encoding.UTF8.GetByteCount(chars[index..end]);
        return true;
    }

    private bool FirstMatch(ReadOnlySpan<char> chars, int from, out int index, out int end)
    {
        using var lease = _regexes.Rent();
        var matches = lease.Regex.EnumerateMatches(chars, from);
        var found = matches.MoveNext();
        (index, end) = found ? (matches.Current.Index, matches.Current.Index + matches.Current.Length) : (0, 0);
        return found;
    }

    /// <inheritdoc/>
    public int LongestMatchWithin(ReadOnlySpan<byte> line, int at, int limit)
    {
        var automaton = Longest();
        if (automaton is null || at > limit || limit > line.Length)
        {
            return -1;
        }
        while (limit > at && limit < line.Length && (line[limit] & 0xC0) == 0x80)
        {
            limit--; // a character cut by the limit is not there (glibc sees an invalid byte)
        }
        var chars = Decode(line);
        var from = Encoding.UTF8.GetCharCount(line[..at]);
        var found = automaton.Find(chars, from, from + Encoding.UTF8.GetCharCount(line[at..limit]), anchored: true, out _, out var end);
        return found ? Encoding.UTF8.GetByteCount(chars[from..end]) : -1;
    }

    /// <summary>Built on first use: line selection never needs it.</summary>
    private LongestMatchAutomaton? Longest()
    {
        if (!_longestBuilt && _tree is not null)
        {
            _longest = LongestMatchAutomaton.TryCreate(_tree);
        }
        _longestBuilt = true;
        return _longest;
    }

    /// <inheritdoc/>
    public bool MatchesEmptyInsideCharacter => _tree?.MatchesEmptyInsideCharacter() ?? false;

    /// <inheritdoc/>
    public IMatcher CloneForWorker() => new RegexMatcher(_regexes, _prefilter, _tree);
}
