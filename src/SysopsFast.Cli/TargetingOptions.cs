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

    public Option<string?> HostsFile { get; } = new("--hosts") { Description = "Only the hosts listed in this file, one per line ('-' reads standard input)" };

    public Option<string[]> HostGlobs { get; } = new("--host") { Description = "Only hosts matching this glob, e.g. 'eat1-*' (repeatable; all must match)", Arity = ArgumentArity.ZeroOrMore };

    public Option<string?> RangeQuery { get; } = new("--range-query") { Description = "Only the hosts this Range expression lists (needs --range-server)" };

    public Option<bool> Scan { get; } = new("--scan") { Description = "Find keys with SCAN over the whole keyspace, not the key catalog (for data written by clients that keep no catalog)" };

    public Option<string?> RangeServer { get; } = new("--range-server") { Description = "Yahoo Range server (host[:port]) for --range-query, and for the cores of --site when there is no topology file" };

    public void AddTo(Command command)
    {
        command.Add(HostsFile);
        command.Add(HostGlobs);
        command.Add(RangeQuery);
        command.Add(RangeServer);
        command.Add(Servers);
        command.Add(Topology);
        command.Add(Scope);
        command.Add(Site);
        command.Add(NoLoadBalance);
        command.Add(AllowPartial);
        command.Add(Scan);
    }

    /// <summary>
    /// --server wins; else the topology file; else the cores of --site from --range-server; else the
    /// default local server. Host restrictions (--hosts, --host, --range-query) apply to all of them.
    /// </summary>
    public async Task<(FleetTopology Topology, QueryTargeting Targeting)> ResolveAsync(ParseResult parse, TextWriter stderr, CancellationToken cancellationToken)
    {
        var targeting = new QueryTargeting
        {
            Scope = parse.GetValue(Scope),
            Site = parse.GetValue(Site),
            NoLoadBalance = parse.GetValue(NoLoadBalance),
            AllowPartial = parse.GetValue(AllowPartial),
            Scan = parse.GetValue(Scan),
            Hosts = await HostRestrictionAsync(parse, cancellationToken),
        };
        var servers = parse.GetValue(Servers);
        if (servers is { Length: > 0 })
        {
            return (FleetTopology.FromServers(servers.Select(ServerAddress.Parse)), targeting with { Scope = QueryScope.Global });
        }
        var file = TopologyFile.Locate(parse.GetValue(Topology));
        if (file is null && parse.GetValue(RangeServer) is { } rangeServer && parse.GetValue(Site) is { } site)
        {
            using var range = new RangeClient(rangeServer);
            return (await range.TopologyAsync([site], cancellationToken), targeting with { Scope = QueryScope.Site });
        }
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

    private async Task<HostFilter?> HostRestrictionAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var filter = new HostFilter();
        if (parse.GetValue(HostsFile) is { } path)
        {
            try
            {
                using var reader = path == "-" ? Console.In : new StreamReader(path);
                filter.RequireOneOf(HostFilter.ReadHostList(reader).ToList());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Errors.BadArgument($"cannot read the host list '{path}' ({e.Message})");
            }
        }
        foreach (var glob in parse.GetValue(HostGlobs) ?? [])
        {
            filter.RequireGlob(glob);
        }
        if (parse.GetValue(RangeQuery) is { } expression)
        {
            var server = parse.GetValue(RangeServer) ?? throw Errors.BadArgument("--range-query needs --range-server HOST");
            using var range = new RangeClient(server);
            filter.RequireOneOf(await range.ListAsync(expression, cancellationToken));
        }
        return filter.IsEmpty ? null : filter;
    }
}
