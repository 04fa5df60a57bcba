using StackExchange.Redis;
using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// Stage 2 (key discovery) for one server, or for one primary of a Redis Cluster: SCAN MATCH with a
/// large COUNT, so that sweeping a keyspace takes a few dozen round trips. Writes each page of keys
/// (as bytes, which both the MGET and the messages need) to its fetcher.
/// </summary>
internal sealed class KeyScanProducer
{
    private readonly IDatabase _db;
    private readonly IServer? _node;
    private readonly string _glob;
    private readonly int _pageSize;
    private readonly Topology.HostFilter? _hosts;

    /// <param name="node">A cluster primary to scan, or null to scan the database's own server.</param>
    /// <param name="hosts">Keys of other hosts are dropped here, before anything is fetched.</param>
    public KeyScanProducer(IDatabase db, string glob, int pageSize, IServer? node = null, Topology.HostFilter? hosts = null)
    {
        _hosts = hosts;
        _db = db;
        _node = node;
        _glob = glob;
        _pageSize = pageSize;
    }

    public Task RunAsync(ChannelWriter<byte[][]> output, SourceStatistics statistics, CancellationToken cancellationToken) =>
        _node is null ? ScanServerAsync(output, statistics, cancellationToken) : ScanNodeAsync(_node, output, statistics, cancellationToken);

    /// <summary>A cluster node must be addressed directly: a keyless SCAN would go to any node.</summary>
    private async Task ScanNodeAsync(IServer node, ChannelWriter<byte[][]> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        var page = new List<byte[]>(_pageSize);
        await foreach (var key in node.KeysAsync(_db.Database, _glob, _pageSize).WithCancellation(cancellationToken))
        {
            page.Add((byte[])key!);
            if (page.Count == _pageSize)
            {
                await WritePageAsync(page.ToArray(), output, statistics, cancellationToken);
                page.Clear();
            }
        }
        if (page.Count > 0)
        {
            await WritePageAsync(page.ToArray(), output, statistics, cancellationToken);
        }
    }

    private async Task ScanServerAsync(ChannelWriter<byte[][]> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        RedisKeyOrValue[] args = [(RedisValue)"0", (RedisValue)"MATCH", (RedisValue)_glob, (RedisValue)"COUNT", (RedisValue)_pageSize];
        var cursor = "0";
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            args[0] = (RedisValue)cursor;
            byte[][] keys;
            using (var reply = await _db.ExecuteRespAsync("SCAN", args))
            {
                (cursor, keys) = ReadPage(reply);
            }
            await WritePageAsync(keys, output, statistics, cancellationToken);
        }
        while (cursor != "0");
    }

    private async Task WritePageAsync(byte[][] keys, ChannelWriter<byte[][]> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        // A glob such as *#* also matches the key catalog's own keys.
        keys = Array.FindAll(keys, k => !KeyCatalog.IsHousekeeping(k) && (_hosts is null || _hosts.Allows(k)));
        if (keys.Length > 0)
        {
            statistics.AddKeys(keys.Length);
            await output.WriteAsync(keys, cancellationToken);
        }
    }

    private static (string Cursor, byte[][] Keys) ReadPage(RespResult reply)
    {
        var reader = reply.Read();
        if (!reader.IsAggregate || reader.AggregateLength() != 2)
        {
            throw new InvalidDataException("SCAN did not return [cursor, keys]");
        }
        var parts = reader.AggregateChildren();
        parts.DemandNext();
        var cursor = parts.Current.ReadString() ?? "0";
        parts.DemandNext();
        var list = parts.Current;
        var keys = new byte[list.AggregateLength()][];
        var items = list.AggregateChildren();
        var i = 0;
        while (items.MoveNext())
        {
            keys[i++] = items.Current.ReadByteArray() ?? [];
        }
        return (cursor, keys);
    }
}
