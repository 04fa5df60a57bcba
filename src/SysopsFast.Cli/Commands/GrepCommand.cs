using System.CommandLine;
using System.Globalization;
using System.Text;
using SysopsFast.Grep;
using SysopsFast.Output;

namespace SysopsFast.Cli.Commands;

/// <summary>Everything `grep` needs, parsed: the handler takes this and its writers, so tests can call it.</summary>
internal sealed record GrepArguments(string ObjectPattern, string Pattern)
{
    /// <summary>The pattern is a regular expression (false: -F).</summary>
    public bool Regex { get; init; } = true;

    /// <summary>Counters for a progress display, if one runs.</summary>
    public Pipeline.QueryProgress? Progress { get; init; }

    /// <summary>Escaping and colour of the printed text (standard output's).</summary>
    public Output.TextStyle Style { get; init; } = Output.TextStyle.Plain;
    public bool IgnoreCase { get; init; }
    public bool Invert { get; init; }
    public bool Uniq { get; init; }
    public bool PrefixHostnames { get; init; }

    /// <summary>--cost: per-server cost on stderr, published on the servers' 'sysops-api' channel.</summary>
    public bool Cost { get; init; }

    /// <summary>-c, -l or -L: one line per record instead of its lines (null: the lines).</summary>
    public RecordLineKind? PerRecord { get; init; }

    /// <summary>-m, -A, -B, -C.</summary>
    public SelectionLimits Limits { get; init; } = SelectionLimits.None;

    public bool WholeLine { get; init; }

    public bool WholeWord { get; init; }

    public bool OnlyMatching { get; init; }

    /// <summary>-n: each line's number in its record.</summary>
    public bool LineNumbers { get; init; }

    /// <summary>--uniq --show-hosts: sample hosts per line (int.MaxValue for all).</summary>
    public int ShowHosts { get; init; }

    /// <summary>--as-of: the time to answer as of; null for the latest data.</summary>
    public DateTimeOffset? AsOf { get; init; }

    /// <summary>--max-age: older records are skipped and counted as stale.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>--json / --csv (the latter with --uniq only).</summary>
    public bool Json { get; init; }

    public bool Csv { get; init; }

    /// <summary>--having / --lacking: joins by host, applied before the query.</summary>
    public IReadOnlyList<Query.HostCondition> Conditions { get; init; } = [];

    /// <summary>--verbose: a statistics line on stderr after the answer.</summary>
    public bool Verbose { get; init; }

    public IReadOnlyList<Redis.ServerAddress> Servers { get; init; } = [Redis.ServerAddress.Default];

    /// <summary>When set, the cores to ask come from here and <see cref="Servers"/> is ignored.</summary>
    public Topology.FleetTopology? Topology { get; init; }

    public Topology.QueryTargeting Targeting { get; init; } = new();

    internal Topology.FleetTopology EffectiveTopology => Topology ?? SysopsFast.Topology.FleetTopology.FromServers(Servers);
}

internal static class GrepCommand
{
    public static Command Build()
    {
        var objectPattern = new Argument<string>("object-pattern") { Description = "Objects to search: a name such as sysctl-a or /etc/passwd (means *name*), or a key glob with # such as 'web*#/etc/hosts'" };
        var pattern = new Argument<string?>("text-pattern") { Arity = ArgumentArity.ZeroOrOne, Description = "What to find in each line: an extended regular expression as GNU grep -E reads it (literal text with -F); one that starts with '-' comes after '--', or with -e" };
        var patternOption = new Option<string?>("--regexp", "-e") { HelpName = "PATTERN", Description = "The text pattern, given as an option (for one that starts with '-')" };
        var ignoreCase = new Option<bool>("--ignore-case", "-i") { Description = "Ignore case" };
        var invert = new Option<bool>("--invert-match", "-v") { Description = "Select lines that do not match" };
        var regex = new Option<bool>("--extended-regexp", "-E") { Description = "The pattern is an extended regular expression, as GNU grep -E reads it (the default; no back-references: matching never backtracks)" };
        var fixedStrings = new Option<bool>("--fixed-strings", "-F") { Description = "The pattern is literal text, not a regular expression" };
        var uniq = new Option<bool>("--uniq") { Description = "Count identical lines across the fleet, most frequent first (like sort | uniq -c | sort -rn)" };
        var prefix = new Option<bool>("--prefix-hostnames", "-H") { Description = "Print each line as host:line" };
        var cost = CommonOptions.Cost();
        var lineNumbers = new Option<bool>("--line-number", "-n") { Description = "Print each line's number in its object (host:N:line with -H)" };
        var showHosts = new Option<string?>("--show-hosts") { HelpName = "N|all", Description = "With --uniq: N sample hosts per line, or 'all'" };
        showHosts.CompletionSources.Add("all");
        var maxAge = new Option<string?>("--max-age") { HelpName = "DURATION", Description = "Skip records stored longer ago than DURATION (6h, 30m, 2d); they are counted as stale on stderr" };
        var asOf = CommonOptions.AsOf();
        var json = new Option<bool>("--json") { Description = "NDJSON: {host, object, line_number, line} per line; with --uniq {count, line, hosts} per row" };
        var csv = new Option<bool>("--csv") { Description = "With --uniq: CSV with the header count,line (and hosts with --show-hosts)" };
        var wholeWord = new Option<bool>("--word-regexp", "-w") { Description = "Select lines where the pattern matches a whole word" };
        var wholeLine = new Option<bool>("--line-regexp", "-x") { Description = "Select lines that the pattern matches whole" };
        var onlyMatching = new Option<bool>("--only-matching", "-o") { Description = "Print only the matching parts of lines, one per line (with --uniq: count them)" };
        var count = new Option<bool>("--count", "-c") { Description = "Print host:count of selected lines for every object searched (0 included)" };
        var withMatch = new Option<bool>("--files-with-matches", "-l") { Description = "Print the hosts whose object has a selected line" };
        var withoutMatch = new Option<bool>("--files-without-match", "-L") { Description = "Print the hosts whose object has no selected line" };
        var maxCount = new Option<long?>("--max-count", "-m") { HelpName = "NUM", Description = "Stop reading an object after NUM selected lines" };
        var after = new Option<int?>("--after-context", "-A") { HelpName = "NUM", Description = "Print NUM lines of trailing context (host-line), groups separated by --" };
        var before = new Option<int?>("--before-context", "-B") { HelpName = "NUM", Description = "Print NUM lines of leading context" };
        var context = new Option<int?>("--context", "-C") { HelpName = "NUM", Description = "Print NUM lines of context before and after" };
        var targeting = new TargetingOptions();
        var joins = new HostJoinOptions();

        var command = new Command("grep", "Print the lines of matching objects that contain the pattern, across the fleet")
        {
            objectPattern, pattern, patternOption, ignoreCase, invert, regex, fixedStrings, uniq, prefix, lineNumbers, wholeWord, wholeLine, onlyMatching, count, withMatch, withoutMatch, maxCount, after, before, context, showHosts, maxAge, asOf, json, csv, cost,
        };
        command.Validators.Add(result => OnePattern(result, objectPattern, pattern, patternOption));
        var color = ColorOption.Create();
        command.Add(color);
        joins.AddTo(command);
        targeting.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var verbose = parse.GetValue(CommonOptions.Verbose);
            return CliRunner.RunAsync(async () =>
            {
                var args = new GrepArguments(parse.GetValue(objectPattern)!, parse.GetValue(patternOption) ?? parse.GetValue(pattern)!)
                {
                    Regex = !parse.GetValue(fixedStrings),
                    IgnoreCase = parse.GetValue(ignoreCase),
                    Invert = parse.GetValue(invert),
                    Uniq = parse.GetValue(uniq),
                    PrefixHostnames = parse.GetValue(prefix),
                    Cost = parse.GetValue(cost),
                    Conditions = joins.Parse(parse),
                    LineNumbers = parse.GetValue(lineNumbers),
                    WholeWord = parse.GetValue(wholeWord),
                    WholeLine = parse.GetValue(wholeLine),
                    OnlyMatching = parse.GetValue(onlyMatching),
                    ShowHosts = ParseShowHosts(parse.GetValue(showHosts)),
                    MaxAge = parse.GetValue(maxAge) is { } age ? CommonOptions.ParseTtl(age) : null,
                    AsOf = CommonOptions.ParseTime(parse.GetValue(asOf)),
                    Json = parse.GetValue(json),
                    Csv = parse.GetValue(csv),
                    PerRecord = PerRecord(parse.GetValue(count), parse.GetValue(withMatch), parse.GetValue(withoutMatch)),
                    Limits = Limits(parse.GetValue(maxCount), parse.GetValue(after), parse.GetValue(before), parse.GetValue(context)),
                    Verbose = verbose,
                };
                var (topology, scope) = await targeting.ResolveAsync(parse, Console.Error, ct);
                args = args with { Topology = topology, Targeting = scope };
                await using var stdout = CommonOptions.OpenStyledStandardOutput(parse.GetValue(color), out var style);
                await using var progress = ProgressDisplay.Start();
                return await GrepHandler.RunAsync(args with { Style = style, Progress = progress.Counters }, stdout, Console.Error, ct);
            }, Console.Error, verbose);
        });
        return command;
    }

    private static RecordLineKind? PerRecord(bool count, bool withMatch, bool withoutMatch) => (count, withMatch, withoutMatch) switch
    {
        (false, false, false) => null,
        (true, false, false) => RecordLineKind.Count,
        (false, true, false) => RecordLineKind.WithMatch,
        (false, false, true) => RecordLineKind.WithoutMatch,
        _ => throw CliErrors.BadArgument("-c, -l and -L cannot be combined; give one"),
    };

    /// <summary>The text pattern is given once: as the argument or with -e (with no object pattern either, the parser says what is missing).</summary>
    private static void OnePattern(System.CommandLine.Parsing.CommandResult result, Argument<string> objectPattern, Argument<string?> pattern, Option<string?> patternOption)
    {
        if (result.GetResult(objectPattern) is not { Tokens.Count: > 0 })
        {
            return;
        }
        var given = (result.GetResult(pattern)?.Tokens.Count ?? 0) + (result.GetResult(patternOption)?.Tokens.Count ?? 0);
        if (given != 1)
        {
            result.AddError(given == 0 ? "grep needs a text pattern (or -e PATTERN)" : "grep takes one text pattern: as an argument or with -e, not both");
        }
    }

    private static SelectionLimits Limits(long? maxCount, int? after, int? before, int? context) =>
        maxCount < 0 || after < 0 || before < 0 || context < 0
            ? throw CliErrors.BadArgument("-m, -A, -B and -C take a number of lines, 0 or more")
            : SelectionLimits.Gnu(maxCount, after, before, context);

    /// <summary>--show-hosts N (a count of at least 1) or 'all'.</summary>
    internal static int ParseShowHosts(string? value) => value switch
    {
        null => 0,
        "all" => int.MaxValue,
        _ when int.TryParse(value, System.Globalization.NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 => n,
        _ => throw CliErrors.BadArgument($"--show-hosts takes a number of hosts (1 or more) or 'all', not '{value}'"),
    };
}

internal static class GrepHandler
{
    public static async Task<int> RunAsync(GrepArguments args, Stream stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!args.Uniq && (args.Csv || args.ShowHosts > 0))
        {
            throw CliErrors.BadArgument($"{(args.Csv ? "--csv" : "--show-hosts")} needs --uniq");
        }
        if (args.Json && args.Csv)
        {
            throw CliErrors.BadArgument("--json and --csv cannot be combined; give one");
        }
        if (args.Uniq && args.PerRecord is not null)
        {
            throw CliErrors.BadArgument("--uniq cannot be combined with -c, -l or -L");
        }
        var request = new GrepRequest(args.ObjectPattern, args.Pattern) { Regex = args.Regex, IgnoreCase = args.IgnoreCase, Invert = args.Invert, MaxAge = args.MaxAge, WholeLine = args.WholeLine, WholeWord = args.WholeWord, OnlyMatching = args.OnlyMatching, PerRecord = args.PerRecord, Limits = args.Limits };
        if (request.SelectsNothing)
        {
            return CliRunner.NoMatch;
        }
        await using var all = QueryOutput.OpenFleet(args.EffectiveTopology, args.Targeting, new Pipeline.ExtractOptions { Progress = args.Progress }, stderr, args.AsOf);
        var (fleet, joined) = await HostJoinOptions.ApplyAsync(all, args.Conditions, args.Verbose, stderr, cancellationToken);
        GrepResult result;
        if (args.Uniq)
        {
            var (counts, r) = await fleet.GrepUniqAsync(request, cancellationToken, args.ShowHosts);
            result = r;
            if (args.Json)
            {
                UniqPrinter.Json(stdout, counts);
            }
            else if (args.Csv)
            {
                args.Style.Write(stdout, UniqPrinter.Csv(counts));
            }
            else
            {
                UniqPrinter.Text(stdout, counts, r.Summary.RecordsRead, args.Style);
            }
        }
        else
        {
            IGrepSinkFactory Sinks(bool byKey) => request.PerRecord is { } kind ? new RecordLineSinkFactory(stdout, kind, args.Json, byKey, args.Style)
                : args.Json ? new JsonLineSinkFactory(stdout)
                : new PrintSinkFactory(stdout, args.PrefixHostnames, args.LineNumbers, args.Style) { NameByKey = byKey, Highlight = args.Style.Colours ? request.CreateMatcher() : null, MatchesOnly = request.OnlyMatching };
            // Naming records host#object when a host has several: the library lists the keys first (one query, one audit entry).
            result = (args.PrefixHostnames || request.PerRecord is not null) && !args.Json
                ? await fleet.GrepAsync(request, Sinks, cancellationToken)
                : await fleet.GrepAsync(request, Sinks(byKey: false), cancellationToken);
        }
        await stdout.FlushAsync(CancellationToken.None);
        if (args.Cost)
        {
            var costs = Pipeline.ServerCost.Merge(joined.Append(result.Summary).SelectMany(s => s.Costs));
            await QueryOutput.ReportCostAsync(fleet, "grep", costs, TimeSpan.FromTicks(joined.Append(result.Summary).Sum(s => s.Elapsed.Ticks)), stderr);
        }

        if (args.Verbose)
        {
            var s = result.Summary;
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"sysops-fast: {s.RecordsRead} records of {s.KeysDiscovered} keys ({s.BytesFetched / 1e6:F1} MB fetched, {s.RawBytes / 1e6:F1} MB decoded{(s.LineDeltaRecordsRead > 0 ? $", {s.LineDeltaRecordsRead} line delta records read from their ops ({s.LineDeltaBytesRead / 1e6:F1} MB)" : "")}, {s.RecordsMissing} expired in between; keys by {(s.ServersScanned > 0 ? "SCAN" : "catalog")}{(s.KeysDeduplicated > 0 ? $"; {s.KeysDeduplicated} not fetched, same md5 as one that was" : "")}) from {s.CoresAnswered.Count} core(s) in {s.Elapsed.TotalMilliseconds:F0} ms; {result.SelectedLines} lines selected in {result.RecordsWithSelection} records"));
            // Where the time went: process start to query start, then each stage's first progress.
            var started = (DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalMilliseconds - s.Elapsed.TotalMilliseconds;
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"sysops-fast: timeline (ms): process start → query {started:F0}; then {string.Join(", ", s.Milestones.OrderBy(m => m.Value).Select(m => $"{m.Key} {m.Value:F0}"))}, done {s.Elapsed.TotalMilliseconds:F0}; JIT {System.Runtime.JitInfo.GetCompiledMethodCount()} methods in {System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:F0} ms"));
        }
        if (result.Stale > 0)
        {
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"sysops-fast: {result.Stale} stale record(s) stored more than {args.MaxAge} ago were skipped"));
        }
        if (result.Omitted > 0)
        {
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"sysops-fast: {result.Omitted} object(s) too large to store were not searched: first {string.Join(", ", result.OmittedKeys)}"));
        }
        // The join's reads are reported with the answer (corrupt records, failovers), not in the statistics above.
        return await Report(joined.Count > 0 ? result with { Summary = Pipeline.ExtractSummary.Combine([.. joined, result.Summary]) } : result, stderr);
    }

    /// <summary>Corrupt records and failovers go to stderr after the answer; the exit code says which.</summary>
    internal static async Task<int> Report(GrepResult result, TextWriter stderr) =>
        await SummaryReport.WriteAsync(result.Summary, stderr) ?? (result.SelectedLines > 0 ? CliRunner.Matched : CliRunner.NoMatch);
}
