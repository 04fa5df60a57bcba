using SysopsFast.Push;
using SysopsFast.Redis;
using StackExchange.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

public sealed class PushTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sysops-fast-push-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Import and push share one rule for host names (ObjectKey.IsHostName); the CLI names its flag.</summary>
    [Fact]
    public async Task Push_refuses_a_host_name_with_a_hash_in_one_line()
    {
        File.WriteAllText(Path.Combine(_dir, "sysctl-a"), "x\n");
        var (exit, _, stderr) = await CliProcessTests.Run("push", "--dir", _dir, "--hostname", "evil#host", "--server", $"redis://{redis.Address}/8");
        Assert.Equal(2, exit);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("'evil#host' cannot be a host name", line, StringComparison.Ordinal);
        Assert.EndsWith("(--hostname)", line, StringComparison.Ordinal);
        await Assert.ThrowsAsync<SysopsFastException>(() => PushAgent.PushAsync(" ", [], [ServerAddress.Parse(redis.Address)], null, TimeSpan.FromSeconds(10), CancellationToken.None));
    }

    [Fact]
    public async Task Push_writes_then_only_refreshes_unchanged_objects_and_survives_a_dead_server()
    {
        File.WriteAllText(Path.Combine(_dir, "sysctl-a"), "net.core.netdev_budget = 300\n");
        var shared = Path.Combine(_dir, "..", Path.GetFileName(_dir) + "-passwd");
        File.WriteAllText(shared, "root:x:0:0:root:/root:/bin/bash\n");
        File.CreateSymbolicLink(Path.Combine(_dir, "passwd"), shared);
        var live = ServerAddress.Parse($"redis://{redis.Address}/8");
        var dead = ServerAddress.Parse($"127.0.0.1:{RedisServerFixture.FreePort()}");
        try
        {
            var objects = PushAgent.CollectDirectory(_dir, 1);
            Assert.Contains(objects, o => o.Name == "cmd/sysctl-a");
            Assert.Contains(objects, o => o.Name == Path.GetFullPath(shared));

            var first = await PushAgent.PushAsync("h1.example.org", objects, [live, dead, live], TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(10), CancellationToken.None);
            Assert.Equal(2, first.Count);
            var ok = Assert.Single(first, o => o.Succeeded);
            Assert.Equal(2, ok.Written);
            Assert.Contains("FAILED", Assert.Single(first, o => !o.Succeeded).ToString(), StringComparison.Ordinal);

            await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
            var db = mux.GetDatabase(8);
            await db.KeyExpireAsync("h1.example.org#cmd/sysctl-a", TimeSpan.FromSeconds(30));

            var second = await PushAgent.PushAsync("h1.example.org", PushAgent.CollectDirectory(_dir, 2), [live], TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(10), CancellationToken.None);
            Assert.Equal((0, 2), (second[0].Written, second[0].Unchanged));
            Assert.True(await db.KeyTimeToLiveAsync("h1.example.org#cmd/sysctl-a") > TimeSpan.FromMinutes(5), "an unchanged object gets its expiry refreshed");

            File.WriteAllText(Path.Combine(_dir, "sysctl-a"), "net.core.netdev_budget = 600\n");
            var third = await PushAgent.PushAsync("h1.example.org", PushAgent.CollectDirectory(_dir, 3), [live], null, TimeSpan.FromSeconds(10), CancellationToken.None);
            Assert.Equal((1, 1), (third[0].Written, third[0].Unchanged));
        }
        finally
        {
            File.Delete(shared);
        }
    }
}
