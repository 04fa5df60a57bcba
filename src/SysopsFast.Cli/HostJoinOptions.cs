using System.CommandLine;
using SysopsFast.Query;

namespace SysopsFast.Cli;

/// <summary><c>--having</c> / <c>--lacking OBJECT-PATTERN TEXT</c> (repeatable): joins by host, defined once.</summary>
internal sealed class HostJoinOptions
{
    public Option<string[]> Having { get; } = new("--having")
    {
        HelpName = "OBJECT TEXT",
        Description = "Only hosts whose OBJECT has a line containing TEXT (repeatable; a host without OBJECT does not qualify)",
        Arity = new ArgumentArity(2, 2),
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<string[]> Lacking { get; } = new("--lacking")
    {
        HelpName = "OBJECT TEXT",
        Description = "Only hosts whose OBJECT has no line containing TEXT (repeatable; a host without OBJECT qualifies)",
        Arity = new ArgumentArity(2, 2),
        AllowMultipleArgumentsPerToken = true,
    };

    public void AddTo(Command command)
    {
        command.Add(Having);
        command.Add(Lacking);
    }

    /// <summary>The conditions given, in order; each occurrence of an option is one (object, text) pair.</summary>
    public IReadOnlyList<HostCondition> Parse(ParseResult parse) =>
        [.. Pairs(parse.GetValue(Having), having: true), .. Pairs(parse.GetValue(Lacking), having: false)];

    private static IEnumerable<HostCondition> Pairs(string[]? values, bool having) =>
        (values ?? []).Chunk(2).Where(p => p.Length == 2).Select(p => new HostCondition(p[0], p[1], having));

    /// <summary>
    /// The query narrowed to the hosts that satisfy the conditions (<paramref name="fleet"/> itself
    /// when there are none; it owns the connections either way), and the join's reads for the report.
    /// </summary>
    public static async Task<(FleetQuery Query, IReadOnlyList<Pipeline.ExtractSummary> Summaries)> ApplyAsync(FleetQuery fleet, IReadOnlyList<HostCondition> conditions, bool verbose, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (conditions.Count == 0)
        {
            return (fleet, []);
        }
        var join = await fleet.NarrowToHostsAsync(conditions, cancellationToken);
        if (verbose)
        {
            foreach (var (condition, hosts) in join.Conditions)
            {
                await stderr.WriteLineAsync($"sysops-fast: {condition}: {hosts} host(s) matched");
            }
        }
        return (join.Query, join.Summaries);
    }
}
