using System.CommandLine;
using System.Globalization;
using System.Text;
using SysopsFast.Grep;

namespace SysopsFast.Cli.Commands;

/// <summary>Everything `grep` needs, parsed: the handler takes this and its writers, so tests can call it.</summary>
internal sealed record GrepArguments(string ObjectPattern, string Pattern)
{
    public bool Regex { get; init; }
    public bool IgnoreCase { get; init; }
    public bool Invert { get; init; }
    public bool Uniq { get; init; }
    public bool PrefixHostnames { get; init; }

    /// <summary>--cost: per-server cost on stderr, published on the servers' 'sysops-api' channel.</summary>
    public bool Cost { get; init; }

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
        var pattern = new Argument<string>("text-pattern") { Description = "Text to find in each line (literal unless -E)" };
        var ignoreCase = new Option<bool>("--ignore-case", "-i") { Description = "Ignore case" };
        var invert = new Option<bool>("--invert-match", "-v") { Description = "Select lines that do not match" };
        var regex = new Option<bool>("--extended-regexp", "-E") { Description = "The pattern is an extended regular expression, as GNU grep -E reads it (no back-references: matching never backtracks)" };
        var fixedStrings = new Option<bool>("--fixed-strings", "-F") { Description = "The pattern is literal text (the default)" };
        var uniq = new Option<bool>("--uniq") { Description = "Count identical lines across the fleet, most frequent first (like sort | uniq -c | sort -rn)" };
        var prefix = new Option<bool>("--prefix-hostnames", "-H") { Description = "Print each line as host:line" };
        var cost = new Option<bool>("--cost") { Description = "Print what the query cost (keys, bytes, seconds per server) on stderr, and publish it on each server's 'sysops-api' channel" };
        var targeting = new TargetingOptions();
        var joins = new HostJoinOptions();

        var command = new Command("grep", "Print the lines of matching objects that contain the pattern, across the fleet")
        {
            objectPattern, pattern, ignoreCase, invert, regex, fixedStrings, uniq, prefix, cost,
        };
        joins.AddTo(command);
        targeting.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var verbose = parse.GetValue(CommonOptions.Verbose);
            return CliRunner.RunAsync(async () =>
            {
                var args = new GrepArguments(parse.GetValue(objectPattern)!, parse.GetValue(pattern)!)
                {
                    Regex = parse.GetValue(regex) && !parse.GetValue(fixedStrings),
                    IgnoreCase = parse.GetValue(ignoreCase),
                    Invert = parse.GetValue(invert),
                    Uniq = parse.GetValue(uniq),
                    PrefixHostnames = parse.GetValue(prefix),
                    Cost = parse.GetValue(cost),
                    Conditions = joins.Parse(parse),
                    Verbose = verbose,
                };
                var (topology, scope) = await targeting.ResolveAsync(parse, Console.Error, ct);
                args = args with { Topology = topology, Targeting = scope };
                await using var stdout = new BufferedStream(Console.OpenStandardOutput(), 64 * 1024);
                return await GrepHandler.RunAsync(args, stdout, Console.Error, ct);
            }, Console.Error, verbose);
        });
        return command;
    }
}

internal static class GrepHandler
{
    public static async Task<int> RunAsync(GrepArguments args, Stream stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var request = new GrepRequest(args.ObjectPattern, args.Pattern) { Regex = args.Regex, IgnoreCase = args.IgnoreCase, Invert = args.Invert };
        await using var fleet = new FleetQuery(args.EffectiveTopology, args.Targeting);
        var joined = await HostJoinOptions.ApplyAsync(fleet, args.Conditions, args.Verbose, stderr, cancellationToken);
        GrepResult result;
        if (args.Uniq)
        {
            var (counts, r) = await fleet.GrepUniqAsync(request, cancellationToken);
            result = r;
            var text = UniqCountSinkFactory.Format(counts);
            await stdout.WriteAsync(Encoding.UTF8.GetBytes(text), CancellationToken.None);
        }
        else
        {
            result = await fleet.GrepAsync(request, new PrintSinkFactory(stdout, args.PrefixHostnames), cancellationToken);
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
                $"sysops-fast: {s.RecordsRead} records of {s.KeysDiscovered} keys ({s.BytesFetched / 1e6:F1} MB fetched, {s.RawBytes / 1e6:F1} MB decoded, {s.RecordsMissing} expired in between; keys by {(s.ServersScanned > 0 ? "SCAN" : "catalog")}{(s.KeysDeduplicated > 0 ? $"; {s.KeysDeduplicated} not fetched, same md5 as one that was" : "")}) from {s.CoresAnswered.Count} core(s) in {s.Elapsed.TotalMilliseconds:F0} ms; {result.SelectedLines} lines selected in {result.RecordsWithSelection} records"));
            // Where the time went: process start to query start, then each stage's first progress.
            var started = (DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalMilliseconds - s.Elapsed.TotalMilliseconds;
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"sysops-fast: timeline (ms): process start → query {started:F0}; then {string.Join(", ", s.Milestones.OrderBy(m => m.Value).Select(m => $"{m.Key} {m.Value:F0}"))}, done {s.Elapsed.TotalMilliseconds:F0}; JIT {System.Runtime.JitInfo.GetCompiledMethodCount()} methods in {System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:F0} ms"));
        }
        // The join's reads are reported with the answer (corrupt records, failovers), not in the statistics above.
        return await Report(joined.Count > 0 ? result with { Summary = Pipeline.ExtractSummary.Combine([.. joined, result.Summary]) } : result, stderr);
    }

    /// <summary>Corrupt records, failovers and interruptions go to stderr after the answer; the exit code says which.</summary>
    internal static async Task<int> Report(GrepResult result, TextWriter stderr) =>
        await SummaryReport.WriteAsync(result.Summary, stderr) ?? (result.SelectedLines > 0 ? CliRunner.Matched : CliRunner.NoMatch);
}
