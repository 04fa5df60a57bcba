using SysopsFast.Format;

namespace SysopsFast.DeltaStudy;

/// <summary>
/// A host's object as steps on the base: the library's script (<see cref="LineDeltaScript"/>), or
/// for form (a), which has no edits, each hunk's edits, skips and inserts as one skip and one insert.
/// </summary>
internal static class DeltaScript
{
    public static List<LineDeltaStep> Build(ObjectBase b, Lines host, bool edits)
    {
        var steps = LineDeltaScript.Build(b.Classes, b.ClassesOf(host));
        if (edits)
        {
            return steps;
        }
        var lines = new List<LineDeltaStep>();
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i].Op != LineDeltaOp.Edit)
            {
                lines.Add(steps[i]);
                continue;
            }
            // A hunk is written edit, skip, insert: the skip and insert that follow join the edit's.
            var edit = steps[i];
            var skipped = i + 1 < steps.Count && steps[i + 1].Op == LineDeltaOp.Skip ? steps[++i].Count : 0;
            var inserted = i + 1 < steps.Count && steps[i + 1].Op == LineDeltaOp.Insert ? steps[++i].Count : 0;
            lines.Add(new LineDeltaStep(LineDeltaOp.Skip, edit.Count + skipped, edit.BaseStart, -1));
            lines.Add(new LineDeltaStep(LineDeltaOp.Insert, edit.Count + inserted, -1, edit.HostStart));
        }
        return lines;
    }
}
