using System.CommandLine;
using SysopsFast.Output;
using SysopsFast.Pipeline;

namespace SysopsFast.Cli;

/// <summary>
/// What every query command shares: targeting, <c>--json</c> and <c>--cost</c>, and the way a query
/// ends (cost table and publication, stderr report, exit code). Defined once.
/// </summary>
internal sealed class QueryOutput
{
    public TargetingOptions Targeting { get; } = new();

    public Option<bool> Json { get; } = new("--json") { Description = "Print NDJSON: one JSON object per line (fields in docs/OUTPUT.md)" };

    public Option<bool> Cost { get; } = CommonOptions.Cost();

    /// <summary>--having / --lacking, on the commands that take them (<see cref="AddTo"/>'s joins).</summary>
    public HostJoinOptions? Joins { get; private set; }

    /// <summary>What the join read (this process runs one command): reported and costed with the answer.</summary>
    private IReadOnlyList<ExtractSummary> _joinSummaries = [];

    /// <param name="cost">Whether the command reads records (info does not: it has no cost to report).</param>
    /// <param name="joins">Whether it takes --having / --lacking.</param>
    public void AddTo(Command command, bool cost = true, bool joins = false)
    {
        command.Add(Json);
        if (cost)
        {
            command.Add(Cost);
        }
        if (joins)
        {
            Joins = new HostJoinOptions();
            Joins.AddTo(command);
        }
        Targeting.AddTo(command);
    }

    /// <summary>Resolves the targets, runs <paramref name="body"/> with the fleet and a buffered stdout, maps errors to exit codes.</summary>
    public Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken, Func<FleetQuery, Stream, Task<int>> body) =>
        CliRunner.RunAsync(async () =>
        {
            var (topology, targeting) = await Targeting.ResolveAsync(parse, Console.Error, cancellationToken);
            await using var progress = ProgressDisplay.Start();
            await using var fleet = new FleetQuery(topology, targeting, new ExtractOptions { Progress = progress.Counters });
            if (Joins is not null)
            {
                _joinSummaries = await HostJoinOptions.ApplyAsync(fleet, Joins.Parse(parse), parse.GetValue(CommonOptions.Verbose), Console.Error, cancellationToken);
            }
            await using var stdout = CommonOptions.OpenStandardOutput();
            try
            {
                return await body(fleet, stdout);
            }
            finally
            {
                await stdout.FlushAsync(CancellationToken.None);
            }
        }, Console.Error, parse.GetValue(CommonOptions.Verbose));

    /// <summary>
    /// After the answer: the cost (when asked), then each phase's report (corrupt records, failovers,
    /// partial answers). Returns the exit code they force, or null.
    /// </summary>
    public async Task<int?> FinishAsync(ParseResult parse, FleetQuery fleet, Stream stdout, IReadOnlyList<ExtractSummary> summaries, IReadOnlyList<ServerCost>? costs = null)
    {
        await stdout.FlushAsync(CancellationToken.None);
        summaries = [.. _joinSummaries, .. summaries];
        if (parse.GetValue(Cost))
        {
            costs = ServerCost.Merge((costs ?? summaries.SelectMany(s => s.Costs)).Concat(costs is null ? [] : _joinSummaries.SelectMany(s => s.Costs)));
            await ReportCostAsync(fleet, parse.CommandResult.Command.Name, costs, TimeSpan.FromTicks(summaries.Sum(s => s.Elapsed.Ticks)), Console.Error);
        }
        var arguments = parse.CommandResult.Children.OfType<System.CommandLine.Parsing.ArgumentResult>().Select(a => string.Join(' ', a.Tokens.Select(t => t.Value))).ToArray();
        await AuditAsync(fleet, arguments.FirstOrDefault() ?? "", arguments.Skip(1).FirstOrDefault() ?? "", summaries, Console.Error);
        return await SummaryReport.WriteAsync(ExtractSummary.Combine(summaries), Console.Error);
    }

    /// <summary>
    /// Records the query in the user's audit stream of every server it read (who, what, when, cost); a
    /// server that does not record it is named on stderr, the answer stands.
    /// </summary>
    public static async Task AuditAsync(FleetQuery fleet, string objectPattern, string textPattern, IReadOnlyList<ExtractSummary> summaries, TextWriter stderr)
    {
        var servers = summaries.SelectMany(s => s.Costs).Select(c => c.Server).Distinct(StringComparer.Ordinal).ToArray();
        if (servers.Length == 0)
        {
            return;
        }
        var entry = new Query.AuditEntry
        {
            OsUser = Environment.UserName,
            ClientHost = Environment.MachineName,
            Command = Query.AuditEntry.Redact(Environment.GetCommandLineArgs().Skip(1).ToArray()),
            Scope = fleet.Targeting.Site is { } site ? $"{fleet.Targeting.Scope} {site}".ToLowerInvariant() : fleet.Targeting.Scope.ToString().ToLowerInvariant(),
            ObjectPattern = objectPattern,
            TextPattern = textPattern,
            Keys = summaries.Sum(s => s.KeysDiscovered),
            Bytes = summaries.Sum(s => s.BytesFetched),
            Seconds = summaries.Sum(s => s.Elapsed.TotalSeconds),
        };
        foreach (var refusal in await fleet.Audit.AppendAsync(entry, servers))
        {
            await stderr.WriteLineAsync($"sysops-fast: the query was not recorded in the audit stream of {refusal}");
        }
    }

    /// <summary>--cost: the table on stderr, and the same as JSON on the 'sysops-api' channel of every server asked.</summary>
    public static async Task ReportCostAsync(FleetQuery fleet, string command, IReadOnlyList<ServerCost> costs, TimeSpan elapsed, TextWriter stderr)
    {
        await stderr.WriteAsync(CostReport.Table(costs, elapsed));
        var message = CostReport.Json(command, Environment.GetCommandLineArgs().Skip(1).ToArray(), costs, elapsed, DateTimeOffset.UtcNow);
        await fleet.Audit.PublishAsync(CostReport.Channel, message, costs.Select(c => c.Server));
    }
}
