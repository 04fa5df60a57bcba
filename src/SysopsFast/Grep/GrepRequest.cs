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

    private readonly bool _onlyMatching;
    private readonly SelectionLimits _limits = SelectionLimits.None;

    /// <summary><c>-c</c>, <c>-l</c> or <c>-L</c>: one line per record instead of its lines (null: the lines).</summary>
    public RecordLineKind? PerRecord { get; init; }

    /// <summary>
    /// <c>-o</c>: the sinks get each non-empty match instead of the line (when matching lines are
    /// counted: the matches are). Never with <see cref="PerRecord"/>, which counts or names lines, as GNU grep does.
    /// </summary>
    public bool OnlyMatching { get => _onlyMatching && PerRecord is null; init => _onlyMatching = value; }

    /// <summary>
    /// <c>-m</c>, <c>-A</c>, <c>-B</c>, <c>-C</c>: per record, as GNU grep per file; read back as the
    /// search applies them with <see cref="PerRecord"/>: <c>-c</c> keeps <c>-m</c> and prints no
    /// context, <c>-l</c> and <c>-L</c> need one selected line per record at most.
    /// </summary>
    public SelectionLimits Limits
    {
        get => PerRecord switch
        {
            null => _limits,
            RecordLineKind.Count => new SelectionLimits { MaxCount = _limits.MaxCount },
            _ => new SelectionLimits { MaxCount = Math.Min(1, _limits.MaxCount) },
        };
        init => _limits = value;
    }

    /// <summary>
    /// GNU grep knows before reading anything that no line can be selected (<c>-m 0</c>, or <c>-v</c>
    /// of an empty pattern without <c>-x</c> or <c>-w</c>: every line matches that): the answer is
    /// "no match" without a query, except for <c>-L</c>, which then names every record.
    /// </summary>
    public bool SelectsNothing =>
        (_limits.MaxCount == 0 || (Invert && Pattern.Length == 0 && !WholeLine && !WholeWord)) && PerRecord != RecordLineKind.WithoutMatch;

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
