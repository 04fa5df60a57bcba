using SysopsFast.Compare;

namespace SysopsFast.DeltaStudy;

/// <summary>What one op of a delta does to the base cursor and the output.</summary>
internal enum OpKind : byte
{
    /// <summary>Copy the next n base lines.</summary>
    Copy = 0,
    /// <summary>Drop the next n base lines.</summary>
    Skip = 1,
    /// <summary>Emit n literal lines.</summary>
    Insert = 2,
    /// <summary>n lines, each the next base line's first k bytes and a literal tail (consumes that base line).</summary>
    Edit = 3,
}

/// <summary>One op: <see cref="Count"/> lines, from base line <see cref="BaseStart"/> and host line <see cref="HostStart"/> on.</summary>
internal readonly record struct Op(OpKind Kind, int Count, int BaseStart, int HostStart);

/// <summary>
/// A host's object as edits of the base: Myers' edit script (the product's own search, GNU diff's
/// cost bound) over line hashes, each hunk's deleted and inserted lines paired in order as edits
/// (when <c>edits</c>) and the rest skipped or inserted.
/// </summary>
internal static class DeltaScript
{
    public static List<Op> Build(ObjectBase b, Lines host, bool edits)
    {
        var search = EditScriptSearch.Run(b.Classes, b.ClassesOf(host), minimal: false, CancellationToken.None);
        var deleted = search.AChanged;
        var inserted = search.BChanged;
        var ops = new List<Op>();
        int i = 0, j = 0;
        while (i < deleted.Length || j < inserted.Length)
        {
            var (ci, cj) = (i, j);
            while (i < deleted.Length && j < inserted.Length && !deleted[i] && !inserted[j])
            {
                i++;
                j++;
            }
            Add(ops, OpKind.Copy, i - ci, ci, cj);
            var (di, dj) = (i, j);
            while (i < deleted.Length && deleted[i])
            {
                i++;
            }
            while (j < inserted.Length && inserted[j])
            {
                j++;
            }
            var paired = edits ? Math.Min(i - di, j - dj) : 0;
            Add(ops, OpKind.Edit, paired, di, dj);
            Add(ops, OpKind.Skip, i - di - paired, di + paired, -1);
            Add(ops, OpKind.Insert, j - dj - paired, -1, dj + paired);
        }
        return ops;
    }

    private static void Add(List<Op> ops, OpKind kind, int count, int baseStart, int hostStart)
    {
        if (count == 0)
        {
            return;
        }
        // Runs of one kind merge (a copy split by an empty hunk, edits of two hunks side by side never do).
        if (ops.Count > 0 && ops[^1].Kind == kind && kind is OpKind.Copy or OpKind.Skip)
        {
            ops[^1] = ops[^1] with { Count = ops[^1].Count + count };
            return;
        }
        ops.Add(new Op(kind, count, baseStart, hostStart));
    }
}
