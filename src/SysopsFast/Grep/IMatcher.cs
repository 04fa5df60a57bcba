namespace SysopsFast.Grep;

/// <summary>
/// Finds lines that match. A matcher sees a whole contiguous value and reports the next matching
/// line at or after <c>from</c> (which is always the start of a line), so that a literal matcher can
/// search the whole buffer at once instead of walking line by line.
/// </summary>
public interface IMatcher
{
    /// <summary>
    /// Finds the first line at or after <paramref name="from"/> that contains a match.
    /// <paramref name="lineEnd"/> is the index of the line's '\n', or the buffer length for a last line without one.
    /// </summary>
    bool FindNextLine(ReadOnlySpan<byte> buffer, int from, out int lineStart, out int lineEnd);

    /// <summary>
    /// The first match in one line starting at or after byte <paramref name="start"/>: its offset and
    /// length in the line (for <c>-o</c> and <c>-w</c>, which need where a match is, not only whether).
    /// </summary>
    bool FindInLine(ReadOnlySpan<byte> line, int start, out int matchStart, out int matchLength);

    /// <summary>
    /// The length of the longest match that starts at byte <paramref name="at"/> and ends at or
    /// before <paramref name="limit"/>, where the line reads as if it ended there but without its
    /// end-of-line (GNU grep -w's retry of a shorter match); -1 when there is none. Only a regular
    /// expression has matches of several lengths at one place.
    /// </summary>
    int LongestMatchWithin(ReadOnlySpan<byte> line, int at, int limit) => -1;

    /// <summary>
    /// Whether the pattern matches the empty string where no anchor and no word boundary holds:
    /// inside a multi-byte character, where GNU grep -w looks one byte after a match it rejects.
    /// </summary>
    bool MatchesEmptyInsideCharacter => false;

    /// <summary>A matcher is stateless between calls but may keep scratch space: one per worker.</summary>
    IMatcher CloneForWorker();
}
