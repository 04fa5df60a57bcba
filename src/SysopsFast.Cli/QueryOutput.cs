using System.CommandLine;
using SysopsFast.Output;
using SysopsFast.Pipeline;

namespace SysopsFast.Cli;

/// <summary>
/// What every query command shares: targeting, <c>--json</c> and <c>--cost</c>, the query (audited by
/// the library), and the way a query ends (cost table, stderr report, exit code). Defined once.
/// </summary>
internal sealed class QueryOutput
{
    public TargetingOptions Targeting { get; } = new();

    public Option<bool> Json { get; } = new("--json") { Description = "Print NDJSON: one JSON object per line (fields in docs/OUTPUT.md)" };

    public Option<bool> Cost { get; } = CommonOptions.Cost();

    /// <summary>--as-of, on the commands that take it (<see cref="AddTo"/>'s asOf).</summary>
    public Option<string?>? AsOf { get; private set; }

    /// <summary>--having / --lacking, on the commands that take them (<see cref="AddTo"/>'s joins).</summary>
    public HostJoinOptions? Joins { get; private set; }

    /// <summary>
    /// What the join read: reported and costed with the answer. Per async flow, not per instance:
    /// serve runs the same command definitions for concurrent requests.
    /// </summary>
    private readonly AsyncLocal<IReadOnlyList<ExtractSummary>?> _joinSummaries = new();

    /// <param name="cost">Whether the command reads records (info does not: it has no cost to report).</param>
    /// <param name="joins">Whether it takes --having / --lacking.</param>
    /// <param name="asOf">Whether it takes --as-of.</param>
    public void AddTo(Command command, bool cost = true, bool joins = false, bool asOf = false)
    {
        command.Add(Json);
        if (asOf)
        {
            AsOf = CommonOptions.AsOf();
            command.Add(AsOf);
        }
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
            var asOf = CommonOptions.ParseTime(AsOf is null ? null : parse.GetValue(AsOf));
            var (topology, targeting) = await Targeting.ResolveAsync(parse, Console.Error, cancellationToken);
            await using var progress = ProgressDisplay.Start();
            await using var all = OpenFleet(topology, targeting, new ExtractOptions { Progress = progress.Counters }, Console.Error, asOf);
            var (fleet, joinSummaries) = await HostJoinOptions.ApplyAsync(all, Joins?.Parse(parse) ?? [], parse.GetValue(CommonOptions.Verbose), Console.Error, cancellationToken);
            _joinSummaries.Value = joinSummaries;
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
    /// The query every command runs: audited as the library audits every caller, its entries naming
    /// this command line (secrets removed); a server that does not record one is said on stderr.
    /// </summary>
    /// <param name="asOf">--as-of: the time to answer as of; null for the latest data.</param>
    public static FleetQuery OpenFleet(Topology.FleetTopology topology, Topology.QueryTargeting targeting, ExtractOptions options, TextWriter stderr, DateTimeOffset? asOf = null)
    {
        var policy = Query.AuditPolicy.On with
        {
            Description = Query.AuditEntry.Redact(CommandLine()),
            Refused = refusal => stderr.WriteLine("sysops-fast: " + refusal),
        };
        // Under serve the entry names the HTTP user and the client's address, and the query reads
        // through the connections serve keeps for the request's Redis identity.
        if (Serve.RequestConsole.Current is { } request)
        {
            policy = policy with { OsUser = request.User, ClientHost = request.ClientHost };
            if (request.Session is { } session)
            {
                return new(topology, targeting, session, options) { AuditPolicy = policy, AsOf = asOf };
            }
        }
        return new(topology, targeting, options) { AuditPolicy = policy, AsOf = asOf };
    }

    /// <summary>The command line the query stands for (a request's, under serve), without the program's name.</summary>
    private static IReadOnlyList<string> CommandLine() => Serve.RequestConsole.Current?.Arguments ?? Environment.GetCommandLineArgs().Skip(1).ToArray();

    /// <summary>
    /// After the answer: the cost (when asked), then each phase's report (corrupt records, failovers,
    /// partial answers). Returns the exit code they force, or null.
    /// </summary>
    public async Task<int?> FinishAsync(ParseResult parse, FleetQuery fleet, Stream stdout, IReadOnlyList<ExtractSummary> summaries, IReadOnlyList<ServerCost>? costs = null)
    {
        await stdout.FlushAsync(CancellationToken.None);
        var joinSummaries = _joinSummaries.Value ?? [];
        summaries = [.. joinSummaries, .. summaries];
        if (parse.GetValue(Cost))
        {
            costs = ServerCost.Merge((costs ?? summaries.SelectMany(s => s.Costs)).Concat(costs is null ? [] : joinSummaries.SelectMany(s => s.Costs)));
            await ReportCostAsync(fleet, parse.CommandResult.Command.Name, costs, TimeSpan.FromTicks(summaries.Sum(s => s.Elapsed.Ticks)), Console.Error);
        }
        return await SummaryReport.WriteAsync(ExtractSummary.Combine(summaries), Console.Error);
    }

    /// <summary>--cost: the table on stderr, and the same as JSON on the 'sysops-api' channel of every server asked.</summary>
    public static async Task ReportCostAsync(FleetQuery fleet, string command, IReadOnlyList<ServerCost> costs, TimeSpan elapsed, TextWriter stderr)
    {
        // Over HTTP the cost is the end line's: the message published, not a table among the messages (docs/API.md).
        var request = Serve.RequestConsole.Current;
        if (request is null)
        {
            await stderr.WriteAsync(CostReport.Table(costs, elapsed));
        }
        var published = await fleet.Audit.PublishCostAsync(command, CommandLine(), costs, elapsed);
        if (request is not null)
        {
            request.CostJson = published;
        }
    }
}
