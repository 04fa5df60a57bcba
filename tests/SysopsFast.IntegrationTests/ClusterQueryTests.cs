using System.Text;
using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// The query model against a real 3-primary Redis Cluster: keys found on every primary, header
/// reads by pipelined GETRANGE routed per slot, the two-phase md5 grouping, INFO of each primary.
/// The tests of this class share one cluster (db 0): each uses host names of its own.
/// </summary>
public sealed class ClusterQueryTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-cluster-query-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private ServerAddress Seed(int node = 0) => ServerAddress.Parse(cluster.Addresses[node]);

    private static string Conf(int host) => $"# cluster query test\nhost = cs{host:00}\nshared = {host % 4}\n";

    [Fact]
    public async Task Cluster_query_search_and_header_reads_cover_every_primary()
    {
        const int hosts = 30;
        const int size = 16 * 1024;
        var root = Path.Combine(_work, "search");
        QueryFleet.WriteTree(root, Enumerable.Range(0, hosts).SelectMany(i => new[]
        {
            ($"cs{i:00}.example.org", "/etc/cluster.conf", Encoding.UTF8.GetBytes(Conf(i))),
            ($"cs{i:00}.example.org", "/var/log/big.log", QueryFleet.RandomText(size, 100 + i)),
        }));
        await FleetImporter.ImportAsync(root, Seed(), PayloadCodec.Lz4, null, CancellationToken.None);

        // The records are spread over the three primaries.
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(cluster.Addresses[0]))
        {
            var perPrimary = mux.GetServers().Where(s => !s.IsReplica).Select(s => s.Keys(pattern: "cs*#*", pageSize: 1000).Count()).ToArray();
            Assert.Equal(3, perPrimary.Length);
            Assert.All(perPrimary, n => Assert.True(n > 0, "a primary holds none of the records"));
            Assert.Equal(2 * hosts, perPrimary.Sum());
        }

        var expected = Enumerable.Range(0, hosts).Select(i => $"cs{i:00}.example.org#/etc/cluster.conf").ToArray();
        // Any node may be the seed.
        for (var node = 0; node < 3; node++)
        {
            await using var query = new FleetQuery([Seed(node)]);
            var found = await query.SearchAsync("cs*#/etc/cluster.conf");
            Assert.Equal(expected, found.Items);
            Assert.Equal(0, found.Summary.BytesFetched);
        }

        await using (var query = new FleetQuery([Seed(1)]))
        {
            var headers = await query.ReadMetadataAsync("cs*#*");
            Assert.Equal(2 * hosts, headers.Items.Count);
            Assert.Empty(headers.Summary.Corrupt);
            Assert.Equal(2 * hosts * RecordHeader.Size, headers.Summary.BytesFetched);
            for (var i = 0; i < hosts; i++)
            {
                var conf = headers.Items[2 * i];
                Assert.Equal($"cs{i:00}.example.org#/etc/cluster.conf", conf.Key);
                var content = Encoding.UTF8.GetBytes(Conf(i));
                Assert.Equal(QueryFleet.Md5Hex(content), conf.Md5Hex);
                Assert.Equal(new FileStat(0x8000 | 420, 0, 0, content.Length, QueryFleet.Mtime), conf.Header.Stat);
                Assert.Equal((3L, 10L), (conf.Header.Lines, conf.Header.Words));
                var log = headers.Items[(2 * i) + 1];
                Assert.Equal($"cs{i:00}.example.org#/var/log/big.log", log.Key);
                Assert.Equal(QueryFleet.Md5Hex(QueryFleet.RandomText(size, 100 + i)), log.Md5Hex);
            }
            var cost = Assert.Single(headers.Summary.Costs);
            Assert.Equal(Seed(1).ToString(), cost.Server);
            Assert.Equal(2 * hosts, cost.Keys);
            Assert.Equal(headers.Summary.BytesFetched, cost.BytesFetched);

            var logs = await query.FetchAsync(headers.Items.Where(r => r.Object == "/var/log/big.log").Select(r => r.Key));
            Assert.Equal(hosts, logs.Items.Count);
            Assert.All(logs.Items, (r, i) => Assert.Equal(QueryFleet.RandomText(size, 100 + i), r.Contents));
            var logHeaders = await query.ReadMetadataAsync("cs*#/var/log/big.log");
            Assert.True(logHeaders.Summary.BytesFetched * 20 <= logs.Summary.BytesFetched,
                $"header read moved {logHeaders.Summary.BytesFetched} bytes, the contents query {logs.Summary.BytesFetched}");
        }
    }

    [Fact]
    public async Task Cluster_query_group_by_md5_counts_6_3_1_with_samples_of_the_right_contents()
    {
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(cluster.Addresses[0]))
        {
            await QueryFleet.PutGroupFleetAsync(mux.GetDatabase(), "cg-");
        }
        await using var query = new FleetQuery([Seed(2)]);
        var grouping = await query.Md5Groups.GroupAndSampleAsync("cg-*#/etc/group.conf");
        Assert.Equal([6, 3, 1], grouping.Groups.Select(g => g.Count));
        byte[][] contents = [QueryFleet.GroupA, QueryFleet.GroupB, QueryFleet.GroupC];
        int[][] members = [[0, 1, 2, 3, 4, 5], [6, 7, 8], [9]];
        for (var i = 0; i < 3; i++)
        {
            var g = grouping.Groups[i];
            Assert.Equal(QueryFleet.Md5Hex(contents[i]), g.Md5Hex);
            Assert.Equal(members[i].Select(h => QueryFleet.GroupHost("cg-", h) + "#/etc/group.conf"), g.Members.Select(m => m.Key));
            Assert.NotNull(g.Sample);
            Assert.Equal(contents[i], g.Sample.Contents);
        }
        Assert.Equal(10 * RecordHeader.Size, grouping.Headers.BytesFetched);
        Assert.Equal(3, grouping.Fetches.Sum(f => f.RecordsRead));
    }

    [Fact]
    public async Task Cluster_query_fetch_of_a_missing_key_returns_nothing()
    {
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(cluster.Addresses[0]))
        {
            await QueryFleet.PutAsync(mux.GetDatabase(), "cf-here.example.org", "/etc/present", "present\n"u8.ToArray());
        }
        await using var query = new FleetQuery([Seed()]);
        Assert.Empty((await query.FetchAsync(["cf-gone.example.org#/etc/present"])).Items);
        var found = Assert.Single((await query.FetchAsync(["cf-gone.example.org#/etc/present", "cf-here.example.org#/etc/present"])).Items);
        Assert.Equal("present\n"u8.ToArray(), found.Contents);
    }

    [Fact]
    public async Task Cluster_query_info_lists_each_of_the_three_primaries()
    {
        long total;
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(cluster.Addresses[0]))
        {
            await QueryFleet.PutAsync(mux.GetDatabase(), "ci.example.org", "/etc/issue", "Debian\n"u8.ToArray());
            total = (await Task.WhenAll(mux.GetServers().Where(s => !s.IsReplica).Select(s => s.DatabaseSizeAsync()))).Sum();
        }
        await using var query = new FleetQuery([Seed(1)]);
        var infos = await query.InfoAsync();
        Assert.Equal(3, infos.Count);
        Assert.Equal(cluster.Addresses.Order(StringComparer.Ordinal), infos.Select(i => i.Node).Order(StringComparer.Ordinal));
        Assert.All(infos, i =>
        {
            Assert.Null(i.Error);
            Assert.Matches(@"^\d+\.\d+", i.RedisVersion);
            Assert.True(i.UsedMemory > 0);
            Assert.NotNull(i.Keys);
        });
        Assert.Equal(total, infos.Sum(i => i.Keys));
    }

    [Fact]
    public async Task Cluster_query_routes_each_key_by_the_slot_the_cluster_gives_it()
    {
        // Random bytes, braces among them so that hash tags (and the odd empty or unclosed one) are hashed too.
        var random = new Random(18);
        var keys = Enumerable.Range(0, 2000).Select(_ => Enumerable.Range(0, random.Next(0, 24)).Select(_ => random.Next(4) == 0 ? (byte)"{}"[random.Next(2)] : (byte)random.Next(256)).ToArray()).ToArray();
        await using var mux = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { cluster.Addresses[0] }, AllowAdmin = true });
        var node = mux.GetServer(cluster.Addresses[0]);
        var slots = await Task.WhenAll(keys.Select(async k => (int)(await node.ExecuteAsync("CLUSTER", "KEYSLOT", (RedisValue)k))));
        Assert.Equal(slots, keys.Select(k => ClusterSlots.Of(k)));
    }
}
