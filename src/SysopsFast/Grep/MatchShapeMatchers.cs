namespace SysopsFast.Grep;

/// <summary>
/// <c>-w</c>: a match counts only where it is a whole word, as GNU grep has it: at the start of
/// the line or after a character that is not a word constituent, and at the end or before one.
/// Word constituents are what GNU's are: letters and digits ([[:alnum:]]) and '_'. When a match
/// fails the test, GNU's search goes on: first a shorter match at the same start, then the next
/// match one byte further: inside a multi-byte character that is no word constituent, an empty
/// match there is a whole word (the byte before belongs to that character, the byte after is no
/// character).
/// </summary>
internal sealed class WordMatcher(IMatcher inner) : IMatcher
{
    private static readonly CodePointSet WordCharacters = WordSet();

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
        if (InsideCharacter(line, start, out var characterStart))
        {
            if (EmptyWordInside(line, characterStart))
            {
                (matchStart, matchLength) = (start, 0);
                return true;
            }
            start = LineBounds.AfterCharacter(line, characterStart);
        }
        var found = inner.FindInLine(line, start, out matchStart, out matchLength);
        while (found && !IsWholeWord(line, matchStart, matchLength))
        {
            var shorter = matchLength > 0 ? Shorter(line, start, matchStart, matchLength) : -1;
            if (shorter > 0 && shorter < matchLength)
            {
                matchLength = shorter;
                continue;
            }
            if (InsideCharacter(line, matchStart + 1, out _) && EmptyWordInside(line, matchStart))
            {
                (matchStart, matchLength) = (matchStart + 1, 0);
                return true;
            }
            found = matchStart < line.Length && inner.FindInLine(line, LineBounds.AfterCharacter(line, matchStart), out matchStart, out matchLength);
        }
        return found;
    }

    /// <summary>
    /// The longest match at the same start ending before this one ends. GNU grep gives glibc the
    /// line cut at the old end less one byte less <paramref name="searchStart"/> (its offset from the
    /// search's start rather than the line's): copied, so that -o -w prints what GNU prints.
    /// </summary>
    private int Shorter(ReadOnlySpan<byte> line, int searchStart, int matchStart, int matchLength)
    {
        var limit = matchStart + matchLength - 1 - searchStart;
        return limit < matchStart ? -1 : inner.LongestMatchWithin(line, matchStart, limit);
    }

    /// <summary>Whether <paramref name="at"/> is inside a multi-byte character, and where that starts.</summary>
    private static bool InsideCharacter(ReadOnlySpan<byte> line, int at, out int characterStart)
    {
        characterStart = at;
        while (characterStart > 0 && characterStart < line.Length && (line[characterStart] & 0xC0) == 0x80)
        {
            characterStart--;
        }
        return characterStart < at && line[characterStart] >= 0xC0;
    }

    /// <summary>Whether an empty match inside the character at <paramref name="characterStart"/> is a whole word.</summary>
    private bool EmptyWordInside(ReadOnlySpan<byte> line, int characterStart) =>
        inner.MatchesEmptyInsideCharacter && !IsWord(System.Text.Rune.DecodeFromUtf8(line[characterStart..], out var rune, out _), rune);

    private static bool IsWholeWord(ReadOnlySpan<byte> line, int start, int length)
    {
        var end = start + length;
        return !(start > 0 && IsWord(System.Text.Rune.DecodeLastFromUtf8(line[..start], out var before, out _), before))
            && !(end < line.Length && IsWord(System.Text.Rune.DecodeFromUtf8(line[end..], out var after, out _), after));
    }

    private static bool IsWord(System.Buffers.OperationStatus status, System.Text.Rune rune) =>
        status == System.Buffers.OperationStatus.Done && WordCharacters.Contains(rune.Value);

    private static CodePointSet WordSet()
    {
        var set = CodePointSet.Class("alnum");
        set.Add('_', '_');
        return set;
    }

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
