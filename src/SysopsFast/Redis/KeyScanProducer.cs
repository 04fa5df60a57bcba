using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// Stage 2 (key discovery) without a catalog: SCAN MATCH with a large COUNT, so that sweeping a
/// keyspace takes a few dozen round trips (every primary, on a Redis Cluster). Writes each page of
/// keys (as bytes, which both the MGET and the messages need) to its fetcher.
/// </summary>
internal sealed class KeyScanProducer(IQueryServer server, string glob, int pageSize, Topology.HostFilter? hosts = null)
{
    public async Task RunAsync(ChannelWriter<KeyPage> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        await foreach (var page in server.ScanAsync(glob, pageSize, cancellationToken))
        {
            // A glob such as *#* also matches the key catalog's own keys.
            var keys = Array.FindAll(page, k => !KeyCatalog.IsHousekeeping(k) && (hosts is null || hosts.Allows(k)));
            if (keys.Length > 0)
            {
                statistics.AddKeys(server.Name, keys.Length);
                await KeyPage.Of(keys).WriteToAsync(output, cancellationToken);
            }
        }
    }
}
