namespace SysopsFast.Compare;

/// <summary>How many lines a change adds and removes: the counts of the unified diff's + and − lines, without writing it.</summary>
internal static class LineChanges
{
    /// <summary>Lines of <paramref name="newer"/> not in <paramref name="older"/> (added) and the reverse (removed), as diff -u counts them.</summary>
    public static (int Added, int Removed) Count(ReadOnlySpan<byte> older, ReadOnlySpan<byte> newer, CancellationToken cancellationToken = default)
    {
        if (older.SequenceEqual(newer))
        {
            return (0, 0);
        }
        var olderLines = LineTable.Split(older);
        var newerLines = LineTable.Split(newer);
        var (olderIds, newerIds) = LineClasses.Assign(older, olderLines, newer, newerLines);
        var (removed, added) = ChangeFinder.Find(olderIds, newerIds, olderIds.Length + newerIds.Length, horizon: 3, cancellationToken: cancellationToken);
        return (added.Count(c => c), removed.Count(c => c));
    }
}
