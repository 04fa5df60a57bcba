namespace SysopsFast.Grep;

/// <summary>
/// <c>-w</c>: a match counts only where it is a whole word, as GNU grep has it: at the start of
/// the line or after a character that is not a word constituent, and at the end or before one.
/// Word constituents are letters, digits and '_' (any byte of a multi-byte UTF-8 character counts
/// as a letter). When a match fails the test the next one, one byte further, is tried.
/// </summary>
internal sealed class WordMatcher(IMatcher inner) : IMatcher
{
    public bool FindNextLine(ReadOnlySpan<byte> buffer, int from, out int lineStart, out int lineEnd)
    {
        // Past the last '\n' there is no line left (an empty pattern would "find" one there).
        while (from < buffer.Length && inner.FindNextLine(buffer, from, out lineStart, out lineEnd))
        {
            if (FindInLine(buffer[lineStart..lineEnd], 0, out _, out _))
            {
                return true;
            }
            from = lineEnd + 1;
        }
        lineStart = lineEnd = buffer.Length;
        return false;
    }

    public bool FindInLine(ReadOnlySpan<byte> line, int start, out int matchStart, out int matchLength)
    {
        while (inner.FindInLine(line, start, out matchStart, out matchLength))
        {
            var end = matchStart + matchLength;
            if ((matchStart == 0 || !IsWordByte(line[matchStart - 1])) && (end == line.Length || !IsWordByte(line[end])))
            {
                return true;
            }
            start = matchStart + 1;
        }
        return false;
    }

    private static bool IsWordByte(byte b) => b >= 0x80 || char.IsAsciiLetterOrDigit((char)b) || b == (byte)'_';

    public IMatcher CloneForWorker() => new WordMatcher(inner.CloneForWorker());
}

/// <summary><c>-x</c> for literal text: the line must be exactly the text (a regex is anchored instead).</summary>
internal sealed class WholeLineMatcher(LiteralMatcher inner) : IMatcher
{
    public bool FindNextLine(ReadOnlySpan<byte> buffer, int from, out int lineStart, out int lineEnd)
    {
        while (from < buffer.Length && inner.FindNextLine(buffer, from, out lineStart, out lineEnd))
        {
            if (inner.IsWholeLine(buffer[lineStart..lineEnd]))
            {
                return true;
            }
            from = lineEnd + 1;
        }
        lineStart = lineEnd = buffer.Length;
        return false;
    }

    public bool FindInLine(ReadOnlySpan<byte> line, int start, out int matchStart, out int matchLength)
    {
        matchStart = 0;
        matchLength = line.Length;
        return start == 0 && inner.IsWholeLine(line);
    }

    public IMatcher CloneForWorker() => this;
}
