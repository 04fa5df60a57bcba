using StackExchange.Redis;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// --changed-since on the 3-primary cluster: the changed keys, diffs and kv drift over time equal a
/// standalone server's holding the same fleet (where ChangedSinceTests proves them exact).
/// </summary>
public sealed class ClusterChangedSinceTests(RedisClusterFixture cluster, RedisServerFixture redis) : IClassFixture<RedisClusterFixture>, IClassFixture<RedisServerFixture>
{
    private const int StandaloneDb = 9;

    [Fact]
    public async Task Cluster_changed_since_answers_as_a_standalone_server_holding_the_same_fleet()
    {
        var model = new HistoryFleetModel("cx", hosts: 18, seed: 29);
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(cluster.Addresses[0]))
        {
            await model.WriteAsync(mux.GetDatabase());
        }
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address + ",allowAdmin=true"))
        {
            await mux.GetServer(mux.GetEndPoints()[0]).FlushDatabaseAsync(StandaloneDb);
            await model.WriteAsync(mux.GetDatabase(StandaloneDb));
        }
        var changed = 0;
        foreach (var t in model.Times(5, seed: 13))
        {
            var since = DateTimeOffset.FromUnixTimeMilliseconds(t);
            await using var onCluster = new FleetQuery([ServerAddress.Parse(cluster.Addresses[1])]);
            await using var standalone = new FleetQuery($"redis://{redis.Address}/{StandaloneDb}");
            var expected = await ChangedSinceTests.AnswersAsync(standalone, "cx", since);
            Assert.Equal(expected, await ChangedSinceTests.AnswersAsync(onCluster, "cx", since));
            changed += expected[0].Length > 0 ? 1 : 0;
        }
        Assert.True(changed >= 3, $"changes at {changed} of 7 times");

        var (exit, stdout, stderr) = await CliProcessTests.Run("search", "cx*#*", "--changed-since", "2026-12-01T10:00Z", "--server", cluster.Addresses[0]);
        Assert.True(exit == 0, stderr);
        Assert.Equal(model.Versions.Count(v => v.Value[^1].InsertedMs > HistoryFleet.T0 && v.Value[^1].Content.AsSpan().SequenceEqual(v.Value.LastOrDefault(x => x.InsertedMs <= HistoryFleet.T0).Content) is false),
            stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
