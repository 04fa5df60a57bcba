namespace SysopsFast.Grep;

/// <summary>
/// GNU grep's per-file limits and context, applied per record: <c>-m NUM</c> (stop a record after
/// NUM selected lines, its trailing context still printed), <c>-B NUM</c> / <c>-A NUM</c> (lines
/// before / after each selected line, groups that do not touch separated by <c>--</c>).
/// </summary>
public sealed record SelectionLimits
{
    /// <summary>Selected lines per record before it stops (<c>-m</c>); no limit by default.</summary>
    public long MaxCount { get; init; } = long.MaxValue;

    /// <summary>Context lines before each selected line (<c>-B</c>).</summary>
    public int Before { get; init; }

    /// <summary>Context lines after each selected line (<c>-A</c>).</summary>
    public int After { get; init; }

    /// <summary>No limit and no context.</summary>
    public static SelectionLimits None { get; } = new();

    /// <summary>GNU grep's reading of <c>-m</c>, <c>-A</c>, <c>-B</c>, <c>-C</c>: <c>-C</c> sets both sides, <c>-A</c> and <c>-B</c> override it.</summary>
    public static SelectionLimits Gnu(long? maxCount, int? after, int? before, int? context) => new()
    {
        MaxCount = maxCount ?? long.MaxValue,
        After = after ?? context ?? 0,
        Before = before ?? context ?? 0,
    };

    /// <summary>The same without context (for sinks that take none).</summary>
    public SelectionLimits WithoutContext => HasContext ? this with { Before = 0, After = 0 } : this;

    /// <summary>Whether the plain searcher (no limit, no context) does the job.</summary>
    public bool IsNone => MaxCount == long.MaxValue && Before == 0 && After == 0;

    /// <summary>Whether any context line is asked for.</summary>
    public bool HasContext => Before > 0 || After > 0;
}
