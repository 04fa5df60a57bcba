using SysopsFast.Redis;

namespace SysopsFast.Query;

/// <summary>The upkeep of the key catalog (<see cref="FleetQuery.Catalog"/>, <c>catalog</c>).</summary>
public sealed class CatalogKeeper
{
    private readonly FleetQuery _fleet;

    internal CatalogKeeper(FleetQuery fleet) => _fleet = fleet;

    /// <summary>
    /// `catalog index`: on every server of the cores in scope (a cluster: through its first seed),
    /// reads the catalog's host names once, adds each one's 1-, 2- and 3-byte substrings to the
    /// host-name index, then marks the index complete, so that a pattern such as <c>sysctl-a</c> no
    /// longer reads every host name (docs/FORMAT.md, "Host-name index"). Run it once every writer
    /// adds grams itself (upgraded), never before: hosts an older writer adds later would be missed.
    /// A server that fails is a row with its error, left unmarked.
    /// </summary>
    public async Task<IReadOnlyList<HostNameIndexRow>> IndexHostNamesAsync(CancellationToken cancellationToken = default)
    {
        var servers = _fleet.Cores.OrderBy(c => c.Id, StringComparer.Ordinal).SelectMany(c => (c.IsCluster ? c.Servers.Take(1) : c.Servers).Select(s => (Core: c, Server: s)));
        return await Task.WhenAll(servers.Select(async x =>
        {
            try
            {
                var reader = await _fleet.Connections.QueryServerAsync(x.Server, cancellationToken);
                var writer = await _fleet.Connections.DatabaseAsync(x.Server, cancellationToken);
                var (hosts, grams) = await HostNameIndexer.RunAsync(reader, writer, cancellationToken);
                return new HostNameIndexRow(x.Core.Id, x.Server.ToString(), hosts, grams);
            }
            catch (Exception e) when (RedisFailure.From(x.Server.ToString(), e) is not null)
            {
                return new HostNameIndexRow(x.Core.Id, x.Server.ToString(), 0, 0) { Error = Errors.Brief(e) };
            }
        }));
    }
}
