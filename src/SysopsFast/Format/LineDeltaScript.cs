using SysopsFast.Compare;

namespace SysopsFast.Format;

/// <summary>One op of a script: <see cref="Count"/> lines from base line <see cref="BaseStart"/> and host line <see cref="HostStart"/> on.</summary>
internal readonly record struct LineDeltaStep(LineDeltaOp Op, int Count, int BaseStart, int HostStart);

/// <summary>
/// A host's lines as ops on the base's: Myers' edit script (the product's own search, with GNU diff's
/// cost bound) over line classes; in each hunk the deleted and inserted lines are paired in order as
/// edits, and the rest skipped or inserted.
/// </summary>
internal static class LineDeltaScript
{
    /// <param name="baseClasses">A class per base line, equal lines sharing one.</param>
    /// <param name="hostClasses">A class per host line: a base line's class, or one no base line has.</param>
    public static List<LineDeltaStep> Build(int[] baseClasses, int[] hostClasses)
    {
        var search = EditScriptSearch.Run(baseClasses, hostClasses, minimal: false, CancellationToken.None);
        var deleted = search.AChanged;
        var inserted = search.BChanged;
        var steps = new List<LineDeltaStep>();
        int i = 0, j = 0;
        while (i < deleted.Length || j < inserted.Length)
        {
            var (ci, cj) = (i, j);
            while (i < deleted.Length && j < inserted.Length && !deleted[i] && !inserted[j])
            {
                i++;
                j++;
            }
            Add(steps, LineDeltaOp.Copy, i - ci, ci, cj);
            var (di, dj) = (i, j);
            while (i < deleted.Length && deleted[i])
            {
                i++;
            }
            while (j < inserted.Length && inserted[j])
            {
                j++;
            }
            var paired = Math.Min(i - di, j - dj);
            Add(steps, LineDeltaOp.Edit, paired, di, dj);
            Add(steps, LineDeltaOp.Skip, i - di - paired, di + paired, -1);
            Add(steps, LineDeltaOp.Insert, j - dj - paired, -1, dj + paired);
        }
        return steps;
    }

    private static void Add(List<LineDeltaStep> steps, LineDeltaOp op, int count, int baseStart, int hostStart)
    {
        if (count == 0)
        {
            return;
        }
        // Copies (or skips) either side of an empty hunk are one run; edits and inserts keep their own lines.
        if (steps.Count > 0 && steps[^1].Op == op && op is LineDeltaOp.Copy or LineDeltaOp.Skip)
        {
            steps[^1] = steps[^1] with { Count = steps[^1].Count + count };
            return;
        }
        steps.Add(new LineDeltaStep(op, count, baseStart, hostStart));
    }
}
