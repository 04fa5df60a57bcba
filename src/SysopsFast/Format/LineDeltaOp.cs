namespace SysopsFast.Format;

/// <summary>What one op of a line delta payload does (the low 2 bits of its first value; docs/FORMAT.md).</summary>
internal enum LineDeltaOp : byte
{
    /// <summary>The next count base lines, as they are.</summary>
    Copy = 0,
    /// <summary>Drop the next count base lines.</summary>
    Skip = 1,
    /// <summary>Count literal lines.</summary>
    Insert = 2,
    /// <summary>Count lines, each the next base line's first bytes and a literal tail; consumes that base line.</summary>
    Edit = 3,
}
