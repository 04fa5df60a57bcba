using SysopsFast.Redis;

namespace SysopsFast.Query;

/// <summary>
/// Whether a query may read two objects of one host, which decides how grep names what it prints
/// (<c>-H</c>, <c>-c</c>, <c>-l</c>, <c>-L</c>: by host, or by key when a host has several). Asked of
/// each core's key catalog (its object names; for <c>*text*</c>, whether a host is named by the
/// text): when every catalog says one object at most, the keys need not be listed first. Any doubt
/// (no catalog, a glob left to SCAN, a server that does not answer) says "maybe", and the caller
/// lists the keys, with their failover, as before.
/// </summary>
internal static class ObjectsPerHost
{
    /// <summary>True when no host can have two selected keys in any core; false when it may (or the catalogs cannot tell).</summary>
    public static async Task<bool> OneAtMostAsync(RedisConnections connections, IReadOnlyList<Topology.Core> cores, RecordSelection selection, int pageSize, CancellationToken cancellationToken)
    {
        if (selection.Scan || selection.Keys is not null)
        {
            return false;
        }
        // One name across every core: a host listed by two cores (it moved) still has one key per core.
        string? only = null;
        foreach (var core in cores)
        {
            string? name;
            try
            {
                var server = await connections.QueryServerAsync(core.Servers[0], cancellationToken);
                name = await new KeyCatalogProducer(server, selection.KeyGlob, pageSize).OnlySelectedObjectAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The listing that follows fails over, or reports the failure as a query does.
                return false;
            }
            if (name is null || (name.Length > 0 && only is not null && only != name))
            {
                return false;
            }
            only = name.Length > 0 ? name : only;
        }
        return true;
    }
}
