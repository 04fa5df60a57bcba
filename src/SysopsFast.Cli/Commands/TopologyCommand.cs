using System.CommandLine;
using System.Globalization;
using SysopsFast.Redis;
using SysopsFast.Topology;

namespace SysopsFast.Cli.Commands;

internal static class TopologyCommand
{
    public static Command Build()
    {
        var targeting = new TargetingOptions();
        var command = new Command("topology", "Print the cores in scope and check which servers answer, with their latency");
        targeting.AddTo(command);
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var (topology, scope) = await targeting.ResolveAsync(parse, Console.Error, ct);
            return await TopologyHandler.RunAsync(topology, scope, parse.InvocationConfiguration.Output, ct);
        }, Console.Error, parse.GetValue(CommonOptions.Verbose)));
        return command;
    }
}

internal static class TopologyHandler
{
    /// <summary>Exit 0 when every core in scope has a live server, 2 otherwise (a doctor check).</summary>
    public static async Task<int> RunAsync(FleetTopology topology, QueryTargeting targeting, TextWriter stdout, CancellationToken cancellationToken)
    {
        var cores = topology.Select(targeting.Scope, targeting.Site);
        await stdout.WriteLineAsync($"topology: {topology.Source}; local core: {topology.LocalCore ?? "(none)"}; scope: {targeting.Scope.ToString().ToLowerInvariant()}; {cores.Count} core(s)");
        await using var connections = new RedisConnections();
        var probes = cores.SelectMany(c => c.Servers.Select(s => (Core: c, Server: s, Probe: ProbeAsync(connections, s, cancellationToken)))).ToList();
        await Task.WhenAll(probes.Select(p => p.Probe));
        var allCoresLive = true;
        foreach (var core in cores)
        {
            var rows = probes.Where(p => p.Core == core).ToList();
            var live = 0;
            foreach (var (_, server, probe) in rows)
            {
                var (ok, text) = await probe;
                live += ok ? 1 : 0;
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {core.Id,-24} {(core.IsCluster ? "cluster" : "server"),-8} {server,-28} {text}"));
            }
            if (live == 0)
            {
                allCoresLive = false;
                await stdout.WriteLineAsync($"  {core.Id,-24} NO LIVE SERVER: queries fail unless --allow-partial");
            }
        }
        await stdout.FlushAsync(cancellationToken);
        return allCoresLive ? CliRunner.Matched : CliRunner.Error;
    }

    private static async Task<(bool Ok, string Text)> ProbeAsync(RedisConnections connections, ServerAddress server, CancellationToken cancellationToken)
    {
        var probe = await connections.ProbeAsync(server, cancellationToken);
        return probe.Ping is { } ping
            ? (true, string.Create(CultureInfo.InvariantCulture, $"ok, PING {ping.TotalMilliseconds:F2} ms"))
            : (false, "DOWN: " + probe.Failure);
    }
}
