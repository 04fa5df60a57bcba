using StackExchange.Redis;
using SysopsFast.Query;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// history and --as-of on the 3-primary cluster: each history list lives in its record's slot, so
/// the same fleet answers on the cluster as on a standalone server (where AsOfDifferentialTests
/// proves the answers exact).
/// </summary>
public sealed class ClusterHistoryTests(RedisClusterFixture cluster, RedisServerFixture redis) : IClassFixture<RedisClusterFixture>, IClassFixture<RedisServerFixture>
{
    private const int StandaloneDb = 8;

    [Fact]
    public async Task Cluster_history_and_as_of_answer_as_a_standalone_server_holding_the_same_fleet()
    {
        var model = new HistoryFleetModel("ch", hosts: 18, seed: 23);
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(cluster.Addresses[0]))
        {
            await model.WriteAsync(mux.GetDatabase());
            // The histories are spread over the primaries, each in its record's slot.
            var perPrimary = mux.GetServers().Where(s => !s.IsReplica).Select(s => s.Keys(pattern: "#history:*ch*", pageSize: 1000).Count()).ToArray();
            Assert.All(perPrimary, n => Assert.True(n > 0, "a primary holds no history list"));
        }
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address + ",allowAdmin=true"))
        {
            await mux.GetServer(mux.GetEndPoints()[0]).FlushDatabaseAsync(StandaloneDb);
            await model.WriteAsync(mux.GetDatabase(StandaloneDb));
        }
        var standaloneUrl = $"redis://{redis.Address}/{StandaloneDb}";

        await using (var onCluster = new FleetQuery([ServerAddress.Parse(cluster.Addresses[1])]))
        await using (var standalone = new FleetQuery(standaloneUrl))
        {
            var clusterHistory = new List<ObjectHistory>();
            var standaloneHistory = new List<ObjectHistory>();
            await onCluster.History.ReadAsync("ch*#*", clusterHistory.Add);
            await standalone.History.ReadAsync("ch*#*", standaloneHistory.Add);
            Assert.Equal(model.Versions.Count, clusterHistory.Count);
            Assert.Equal(Flatten(standaloneHistory), Flatten(clusterHistory));
            Assert.Equal(model.Versions.Sum(v => v.Value.Length), clusterHistory.Sum(h => h.Versions.Count));
        }

        foreach (var t in model.Times(5, seed: 11))
        {
            var time = DateTimeOffset.FromUnixTimeMilliseconds(t);
            await using var onCluster = new FleetQuery([ServerAddress.Parse(cluster.Addresses[2])]) { AsOf = time };
            await using var standalone = new FleetQuery(standaloneUrl) { AsOf = time };
            Assert.Equal(await AsOfDifferentialTests.AnswersAsync(standalone, "ch"), await AsOfDifferentialTests.AnswersAsync(onCluster, "ch"));
        }

        var (exit, stdout, stderr) = await CliProcessTests.Run("history", "ch00.example.org#/etc/app.conf", "--json", "--server", cluster.Addresses[0]);
        Assert.True(exit == 0, stderr);
        Assert.Equal(model.Versions["ch00.example.org#/etc/app.conf"].Length, QueryFleet.JsonLines(stdout).Count);
    }

    private static IEnumerable<string> Flatten(List<ObjectHistory> histories) =>
        histories.SelectMany(h => h.Versions.Select(v => $"{h.Key} {v.Index} {v.Md5Hex} {v.Header.InsertedUnixMs} {v.LinesAdded} {v.LinesRemoved} {v.Error}"));
}
