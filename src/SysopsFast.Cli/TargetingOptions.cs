using System.CommandLine;
using SysopsFast.Redis;
using SysopsFast.Topology;

namespace SysopsFast.Cli;

/// <summary>The scope and targeting options every query command takes (SPEC §5), defined once.</summary>
internal sealed class TargetingOptions
{
    public Option<string[]> Servers { get; } = CommonOptions.Servers("Redis server to ask, redis://host:port[/db] (repeatable; bypasses the topology, each server is its own core)");

    public Option<string?> Topology { get; } = new("--topology") { Description = $"Topology file (default: ${TopologyFile.EnvironmentVariable}, ~/.config/sysops-fast/topology.toml, /etc/sysops-fast/topology.toml)" };

    public Option<QueryScope> Scope { get; } = new("--scope") { Description = "local (my core), site (all cores of --site) or global", DefaultValueFactory = _ => QueryScope.Global };

    public Option<string?> Site { get; } = new("--site") { Description = "Site for --scope site (default: my site)" };

    public Option<bool> NoLoadBalance { get; } = new("--no-load-balance") { Description = "Ask every server of each core, not one picked at random" };

    public Option<bool> AllowPartial { get; } = new("--allow-partial") { Description = "Answer even when a core has no live server, with a warning naming it" };

    public void AddTo(Command command)
    {
        command.Add(Servers);
        command.Add(Topology);
        command.Add(Scope);
        command.Add(Site);
        command.Add(NoLoadBalance);
        command.Add(AllowPartial);
    }

    /// <summary>--server wins; else the topology file; else the default local server.</summary>
    public (FleetTopology Topology, QueryTargeting Targeting) Resolve(ParseResult parse, TextWriter stderr)
    {
        var targeting = new QueryTargeting
        {
            Scope = parse.GetValue(Scope),
            Site = parse.GetValue(Site),
            NoLoadBalance = parse.GetValue(NoLoadBalance),
            AllowPartial = parse.GetValue(AllowPartial),
        };
        var servers = parse.GetValue(Servers);
        if (servers is { Length: > 0 })
        {
            return (FleetTopology.FromServers(servers.Select(ServerAddress.Parse)), targeting with { Scope = QueryScope.Global });
        }
        var file = TopologyFile.Locate(parse.GetValue(Topology));
        if (file is null)
        {
            return (FleetTopology.FromServers([ServerAddress.Default]), targeting with { Scope = QueryScope.Global });
        }
        var topology = TopologyFile.Load(file);
        foreach (var w in topology.Warnings)
        {
            stderr.WriteLine("sysops-fast: warning: " + w);
        }
        return (topology, targeting);
    }
}
