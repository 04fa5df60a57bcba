using SysopsFast.Redis;

namespace SysopsFast.Topology;

/// <summary>Sites, their cores, and this machine's own core (for scope <c>local</c>).</summary>
public sealed record FleetTopology(IReadOnlyList<Core> Cores, string? LocalCore, string Source)
{
    /// <summary>Problems that do not stop the tool (unknown keys), to print as warnings.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public string? LocalSite => LocalCore?.Split('/')[0];

    /// <summary>The same topology whose TLS servers use <paramref name="files"/> (each file given replaces theirs).</summary>
    public FleetTopology WithTls(TlsFiles? files) => files is null || files.IsEmpty
        ? this
        : this with { Cores = Cores.Select(c => c with { Servers = c.Servers.Select(s => s.WithTls(files)).ToList() }).ToList() };

    /// <summary>The same topology whose every server is reached as <paramref name="user"/> with <paramref name="password"/>.</summary>
    public FleetTopology WithCredentials(string user, string password) =>
        this with { Cores = Cores.Select(c => c with { Servers = c.Servers.Select(s => s.WithCredentials(user, password)).ToList() }).ToList() };

    /// <summary>Without a topology, each <c>--server</c> is a core of its own (docs/TOPOLOGY.md).</summary>
    public static FleetTopology FromServers(IEnumerable<ServerAddress> servers)
    {
        var cores = servers.Distinct().Select(s => new Core("", s.ToString(), [s])).ToList();
        return new FleetTopology(cores, cores.Count == 1 ? cores[0].Id : null, "the server list");
    }

    /// <summary>The cores a scope covers; errors name what the user can fix.</summary>
    public IReadOnlyList<Core> Select(QueryScope scope, string? site)
    {
        switch (scope)
        {
            case QueryScope.Global:
                return Cores;
            case QueryScope.Site:
                var name = site ?? LocalSite ?? throw Errors.BadArgument($"scope site needs a site name, or a 'local' entry in {Source} that names this machine's site", ErrorRemedy.Site);
                var inSite = Cores.Where(c => c.Site == name).ToList();
                return inSite.Count > 0 ? inSite : throw Errors.BadArgument($"no site '{name}' in {Source}; sites: {string.Join(", ", Cores.Select(c => c.Site).Distinct())}");
            case QueryScope.Local:
                if (LocalCore is null)
                {
                    throw Errors.BadArgument($"scope local needs a 'local = \"<site>/<core>\"' entry in {Source}; or use scope site or global", ErrorRemedy.Site);
                }
                return [Cores.Single(c => c.Id == LocalCore)];
            default:
                throw new ArgumentOutOfRangeException(nameof(scope));
        }
    }
}

/// <summary><c>--scope</c>: my core, all cores of a site, or everything.</summary>
public enum QueryScope
{
    Local,
    Site,
    Global,
}
