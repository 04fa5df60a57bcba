using SysopsFast.Redis;

namespace SysopsFast.Topology;

/// <summary>What a user asked to target, as given (addresses and paths as text); <see cref="TargetResolver"/> turns it into cores.</summary>
public sealed record TargetRequest
{
    /// <summary>Servers given directly: each is its own core and the topology is not read.</summary>
    public IReadOnlyList<string> Servers { get; init; } = [];

    /// <summary>The topology file; null for the default places (<see cref="TopologyFile.Locate"/>).</summary>
    public string? TopologyFile { get; init; }

    /// <summary>My core, a site's cores, or every core.</summary>
    public QueryScope Scope { get; init; } = QueryScope.Global;

    /// <summary>The site of a site scope; null for this machine's.</summary>
    public string? Site { get; init; }

    /// <summary>Read every server of a core instead of one (each key still counted once).</summary>
    public bool NoLoadBalance { get; init; }

    /// <summary>A core with no live server is left out of the answer instead of failing the query.</summary>
    public bool AllowPartial { get; init; }

    /// <summary>Find keys by SCAN even where a key catalog exists.</summary>
    public bool Scan { get; init; }

    /// <summary>A file listing the hosts to keep, one per line; "-" reads <see cref="HostListInput"/>.</summary>
    public string? HostsFile { get; init; }

    /// <summary>Where "-" reads the host list from (standard input for the CLI).</summary>
    public TextReader? HostListInput { get; init; }

    /// <summary>Host globs that must all match.</summary>
    public IReadOnlyList<string> HostGlobs { get; init; } = [];

    /// <summary>A Range expression listing the hosts to keep (needs <see cref="RangeServer"/>).</summary>
    public string? RangeQuery { get; init; }

    /// <summary>The Range server, for <see cref="RangeQuery"/> and for a site's cores when there is no topology file.</summary>
    public string? RangeServer { get; init; }

    /// <summary>TLS files for rediss:// servers; each one given replaces the topology file's.</summary>
    public TlsFiles? Tls { get; init; }
}

/// <summary>The cores to ask and how, with the topology file's warnings.</summary>
public sealed record ResolvedTargets(FleetTopology Topology, QueryTargeting Targeting, IReadOnlyList<string> Warnings);

/// <summary>
/// Stage 1's inputs, resolved the same way for every front end: servers given directly win; else
/// the topology file; else a site's cores from a Range server; else the default local server. Host
/// restrictions (list, globs, Range expression) apply to all of them.
/// </summary>
public static class TargetResolver
{
    /// <summary>Turns <paramref name="request"/> into the topology and targeting a <see cref="FleetQuery"/> takes.</summary>
    public static async Task<ResolvedTargets> ResolveAsync(TargetRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var targeting = new QueryTargeting
        {
            Scope = request.Scope,
            Site = request.Site,
            NoLoadBalance = request.NoLoadBalance,
            AllowPartial = request.AllowPartial,
            Scan = request.Scan,
            Hosts = await HostRestrictionAsync(request, cancellationToken),
        };
        if (request.Servers.Count > 0)
        {
            return new(FleetTopology.FromServers(request.Servers.Select(ServerAddress.Parse)).WithTls(request.Tls), targeting with { Scope = QueryScope.Global }, []);
        }
        var file = TopologyFile.Locate(request.TopologyFile);
        if (file is null && request.RangeServer is { } rangeServer && request.Site is { } site)
        {
            using var range = new RangeClient(rangeServer);
            return new((await range.TopologyAsync([site], cancellationToken)).WithTls(request.Tls), targeting with { Scope = QueryScope.Site }, []);
        }
        if (file is null)
        {
            return new(FleetTopology.FromServers([ServerAddress.Default]), targeting with { Scope = QueryScope.Global }, []);
        }
        var topology = TopologyFile.Load(file);
        return new(topology.WithTls(request.Tls), targeting, topology.Warnings);
    }

    /// <summary>
    /// Where a push goes: the servers given, else every server of the topology's local core (one
    /// seed of a cluster, which routes every key itself), else the default server. TLS servers use
    /// <paramref name="tls"/> (each file given replaces the topology file's).
    /// </summary>
    public static IReadOnlyList<ServerAddress> PushTargets(IReadOnlyList<string> servers, string? topologyFile, TlsFiles? tls = null) =>
        PushTargets(servers.Select(ServerAddress.Parse).ToArray(), topologyFile, tls);

    /// <summary><see cref="PushTargets(IReadOnlyList{string}, string?, TlsFiles?)"/> of addresses already parsed (an agent configuration file's).</summary>
    public static IReadOnlyList<ServerAddress> PushTargets(IReadOnlyList<ServerAddress> servers, string? topologyFile, TlsFiles? tls = null)
    {
        if (servers.Count > 0)
        {
            return servers.Select(s => s.WithTls(tls)).Distinct().ToArray();
        }
        var file = TopologyFile.Locate(topologyFile);
        if (file is null)
        {
            return [ServerAddress.Default];
        }
        var topology = TopologyFile.Load(file).WithTls(tls);
        var local = topology.LocalCore is null
            ? throw Errors.BadArgument($"a push needs servers, or a 'local' core in {file}", ErrorRemedy.ServerAddress)
            : topology.Cores.Single(c => c.Id == topology.LocalCore);
        return local.IsCluster ? [local.Servers[0]] : local.Servers;
    }

    private static async Task<HostFilter?> HostRestrictionAsync(TargetRequest request, CancellationToken cancellationToken)
    {
        var filter = new HostFilter();
        if (request.HostsFile is { } path)
        {
            try
            {
                if (path == "-")
                {
                    // The caller's reader (standard input): read, not closed.
                    filter.RequireOneOf(HostFilter.ReadHostList(request.HostListInput ?? TextReader.Null).ToList());
                }
                else if (Directory.Exists(path))
                {
                    throw Errors.DirectoryNotFile("the host list", path, ErrorRemedy.HostRestriction);
                }
                else
                {
                    using var reader = new StreamReader(path);
                    filter.RequireOneOf(HostFilter.ReadHostList(reader).ToList());
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Errors.BadArgument($"cannot read the host list '{path}' ({e.Message})", ErrorRemedy.HostRestriction);
            }
        }
        foreach (var glob in request.HostGlobs)
        {
            filter.RequireGlob(glob);
        }
        if (request.RangeQuery is { } expression)
        {
            var server = request.RangeServer ?? throw Errors.BadArgument("a Range expression needs a Range server", ErrorRemedy.RangeServer);
            using var range = new RangeClient(server);
            filter.RequireOneOf(await range.ListAsync(expression, cancellationToken));
        }
        return filter.IsEmpty ? null : filter;
    }
}
