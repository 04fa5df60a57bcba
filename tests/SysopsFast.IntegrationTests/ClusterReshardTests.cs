using System.Net;
using System.Text;
using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Pipeline;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// Slots migrated between primaries (CLUSTER SETSLOT IMPORTING/MIGRATING + MIGRATE) while a query
/// is half way through them: a cluster of its own, since the test moves its slots.
/// </summary>
public sealed class ClusterReshardTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>, IDisposable
{
    private const string Object = "/etc/migrate.conf";
    private const int Slots = 24;
    private const int HostsPerSlot = 20;

    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-cluster-reshard-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Slots_migrated_while_a_query_runs_leave_its_answer_exact()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { cluster.Addresses[0] }, AllowAdmin = true });
        var map = await admin.GetServer(cluster.Addresses[0]).ClusterNodesAsync() ?? throw new InvalidOperationException("no cluster map");
        var primaries = map.Nodes.Where(n => !n.IsReplica).ToArray();
        var (source, target) = (primaries[0], primaries[1]);

        // Hosts whose keys crowd a few slots of one primary, so that a batch holds several keys of a
        // slot and a migration half done leaves some of them on each side (MGET then answers TRYAGAIN).
        var catalogSlot = ClusterSlots.Of(KeyCatalog.HostsOf(Encoding.UTF8.GetBytes(Object)));
        var slots = Enumerable.Range(0, ClusterSlots.Count).Where(s => s != catalogSlot && Equals(map.GetBySlot(s)?.EndPoint, source.EndPoint)).Take(Slots).ToArray();
        var hosts = HostsIn(slots);
        QueryFleet.WriteTree(_work, hosts.SelectMany(h => h.Value).Select(h => (h, Object, Encoding.UTF8.GetBytes(Contents(h)))));
        var imported = await FleetImporter.ImportAsync(_work, ServerAddress.Parse(cluster.Addresses[0]), PayloadCodec.Lz4, null, CancellationToken.None);
        Assert.Empty(imported.Skipped);

        // Small pages and batches, one worker: a worker that holds its first batch stops the query
        // with most keys not yet listed (the catalog's ZSCAN half done) nor fetched.
        var options = new ExtractOptions { ScanPageSize = 10, MaxKeysPerBatch = 32, Workers = 1, BatchQueueCapacity = 2 };
        var reader = new HoldingReader();
        await using var query = new FleetQuery([ServerAddress.Parse(cluster.Addresses[0])], options);
        var running = query.RunAsync(Object, reader);
        await reader.Held.WaitAsync(TimeSpan.FromSeconds(30));
        var readBeforeMigration = reader.Records.Count;

        // Half of the slots move for good (MOVED), the other half are left half migrated (ASK, TRYAGAIN);
        // the catalog's host set of the object moves too, between two pages of its ZSCAN.
        var migration = new Migration(admin, primaries);
        foreach (var slot in slots[..(Slots / 2)])
        {
            await migration.MoveAsync(slot, source, target, keysLeft: 0);
        }
        foreach (var slot in slots[(Slots / 2)..])
        {
            await migration.MoveAsync(slot, source, target, keysLeft: HostsPerSlot / 2);
        }
        var catalogOwner = primaries.Single(p => Equals(p.EndPoint, map.GetBySlot(catalogSlot)!.EndPoint));
        await migration.MoveAsync(catalogSlot, catalogOwner, primaries.First(p => p != catalogOwner), keysLeft: 0);

        reader.Release();
        var summary = await running;
        foreach (var slot in slots[(Slots / 2)..])
        {
            await migration.MoveAsync(slot, source, target, keysLeft: 0);
        }

        Assert.True(readBeforeMigration < hosts.Count * HostsPerSlot / 2, $"the query had read {readBeforeMigration} records before the migration");
        var expected = hosts.SelectMany(h => h.Value).ToDictionary(h => $"{h}#{Object}", Contents);
        Assert.True(summary.RecordsMissing == 0 && summary.RecordsRead == expected.Count, $"read {summary.RecordsRead} of {expected.Count}, missing {summary.RecordsMissing}, keys {summary.KeysDiscovered}, records seen {reader.Records.Count}");
        Assert.Equal(expected.OrderBy(e => e.Key), reader.Records.OrderBy(e => e.Key));
        Assert.Equal(expected.Count, summary.RecordsRead);
        Assert.Equal(0, summary.RecordsMissing);
        Assert.Empty(summary.Corrupt);
    }

    private static string Contents(string host) => $"migrated = {host}\n";

    /// <summary>For each slot, <see cref="HostsPerSlot"/> host names whose key for <see cref="Object"/> hashes to it.</summary>
    private static Dictionary<int, List<string>> HostsIn(int[] slots)
    {
        var hosts = slots.ToDictionary(s => s, _ => new List<string>());
        for (var i = 0; hosts.Values.Any(h => h.Count < HostsPerSlot); i++)
        {
            var host = $"mig{i}.example.org";
            if (hosts.TryGetValue(ClusterSlots.Of(Encoding.UTF8.GetBytes($"{host}#{Object}")), out var list) && list.Count < HostsPerSlot)
            {
                list.Add(host);
            }
        }
        return hosts;
    }

    /// <summary>Moves a slot the way redis-cli --cluster reshard does, optionally leaving it half done.</summary>
    private sealed class Migration(ConnectionMultiplexer admin, ClusterNode[] primaries)
    {
        public async Task MoveAsync(int slot, ClusterNode from, ClusterNode to, int keysLeft)
        {
            var (source, target) = (admin.GetServer(from.EndPoint), admin.GetServer(to.EndPoint));
            var keys = (RedisKey[])(await source.ExecuteAsync("CLUSTER", "GETKEYSINSLOT", slot, 1000))!;
            await target.ExecuteAsync("CLUSTER", "SETSLOT", slot, "IMPORTING", from.NodeId);
            await source.ExecuteAsync("CLUSTER", "SETSLOT", slot, "MIGRATING", to.NodeId);
            if (keys.Length > keysLeft)
            {
                var endPoint = (IPEndPoint)to.EndPoint!;
                await source.ExecuteAsync("MIGRATE", [endPoint.Address.ToString(), endPoint.Port, "", 0, 5000, "KEYS", .. keys[keysLeft..].Select(k => (object)k)]);
            }
            if (keysLeft == 0)
            {
                // The new owner first, then the old one, then the rest (as redis-cli does).
                foreach (var node in new[] { to, from }.Concat(primaries.Where(p => p != to && p != from)))
                {
                    await admin.GetServer(node.EndPoint).ExecuteAsync("CLUSTER", "SETSLOT", slot, "NODE", to.NodeId);
                }
            }
        }
    }
}
