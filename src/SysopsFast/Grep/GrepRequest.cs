namespace SysopsFast.Grep;

/// <summary>What to search for: the object pattern picks records, the text pattern picks lines.</summary>
public sealed record GrepRequest(string ObjectPattern, string Pattern)
{
    /// <summary>
    /// The pattern is a regular expression as GNU <c>grep -E</c> reads it (the default; never
    /// backtracking); false (<c>-F</c>): literal text.
    /// </summary>
    public bool Regex { get; init; } = true;

    /// <summary><c>-i</c></summary>
    public bool IgnoreCase { get; init; }

    /// <summary><c>-v</c>: select the lines that do not match.</summary>
    public bool Invert { get; init; }

    /// <summary><c>-x</c>: the pattern must match a whole line.</summary>
    public bool WholeLine { get; init; }

    /// <summary><c>-w</c>: a match must be a whole word.</summary>
    public bool WholeWord { get; init; }

    /// <summary><c>-o</c>: the sinks get each non-empty match instead of the line (with --uniq: the matches are counted).</summary>
    public bool OnlyMatching { get; init; }

    /// <summary><c>-m</c>, <c>-A</c>, <c>-B</c>, <c>-C</c>: per record, as GNU grep per file.</summary>
    public SelectionLimits Limits { get; init; } = SelectionLimits.None;

    /// <summary><c>--max-age</c>: records stored longer ago than this are skipped and counted as stale.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>The matcher of <see cref="Pattern"/> with these options (also what a printer colours).</summary>
    public IMatcher CreateMatcher() => MatcherFactory.Create(Pattern, Regex, IgnoreCase, WholeLine, WholeWord);
}

/// <summary>The outcome of a grep: how many records and lines were selected, and the pipeline's summary.</summary>
public sealed record GrepResult(Pipeline.ExtractSummary Summary, long RecordsWithSelection, long SelectedLines)
{
    /// <summary>Records skipped as older than <see cref="GrepRequest.MaxAge"/>.</summary>
    public long Stale { get; init; }

    /// <summary>Records stored without contents (over the size cap when pushed): not searched.</summary>
    public long Omitted { get; init; }

    /// <summary>Some keys of <see cref="Omitted"/> records (at most 10), sorted.</summary>
    public IReadOnlyList<string> OmittedKeys { get; init; } = [];
}
