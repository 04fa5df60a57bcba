namespace SysopsFast.Grep;

/// <summary>What to search for: the object pattern picks records, the text pattern picks lines.</summary>
public sealed record GrepRequest(string ObjectPattern, string Pattern)
{
    /// <summary><c>-E</c>: the pattern is a regular expression (never backtracking).</summary>
    public bool Regex { get; init; }

    /// <summary><c>-i</c></summary>
    public bool IgnoreCase { get; init; }

    /// <summary><c>-v</c>: select the lines that do not match.</summary>
    public bool Invert { get; init; }
}

/// <summary>The outcome of a grep: how many records and lines were selected, and the pipeline's summary.</summary>
public sealed record GrepResult(Pipeline.ExtractSummary Summary, long RecordsWithSelection, long SelectedLines);
