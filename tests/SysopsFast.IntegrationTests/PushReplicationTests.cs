using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;
using SysopsFast.Format;
using SysopsFast.Push;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

public sealed class PushReplicationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sysops-fast-push-repl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_push_while_one_of_four_servers_is_down_reaches_the_other_three()
    {
        var servers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => RedisProcess.StartAsync()));
        try
        {
            servers[2].Kill();
            File.WriteAllText(Path.Combine(_dir, "sysctl-a"), "net.core.netdev_budget = 300\n");
            var addresses = servers.Select(s => ServerAddress.Parse(s.Address)).ToList();
            var outcomes = await PushAgent.PushAsync("h.example.org", PushAgent.CollectDirectory(_dir, 1), addresses, TimeSpan.FromHours(1), TimeSpan.FromSeconds(10), CancellationToken.None);
            Assert.Equal(4, outcomes.Count);
            Assert.Equal(3, outcomes.Count(o => o.Succeeded));
            Assert.Contains(servers[2].Address, Assert.Single(outcomes, o => !o.Succeeded).Server, StringComparison.Ordinal);
            foreach (var s in servers.Where(s => s.IsRunning))
            {
                await using var mux = await ConnectionMultiplexer.ConnectAsync(s.Address);
                Assert.True(await mux.GetDatabase().KeyExistsAsync("h.example.org#cmd/sysctl-a"));
            }
        }
        finally
        {
            foreach (var s in servers)
            {
                await s.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_push_killed_mid_write_leaves_the_old_record_readable()
    {
        await using var redis = await RedisProcess.StartAsync();
        File.WriteAllText(Path.Combine(_dir, "sysctl-a"), "net.core.netdev_budget = 300\n");
        await PushAgent.PushAsync("h.example.org", PushAgent.CollectDirectory(_dir, 1), [ServerAddress.Parse(redis.Address)], null, TimeSpan.FromSeconds(10), CancellationToken.None);

        // The new record goes out as one SET; the writer dies half way through sending it.
        var big = RecordEncoder.Encode(Encoding.ASCII.GetBytes(new string('x', 2_000_000)), FileStat.None, 2, PayloadCodec.None);
        const string key = "h.example.org#cmd/sysctl-a";
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(System.Net.IPAddress.Loopback, redis.Port);
            var head = Encoding.ASCII.GetBytes($"*3\r\n$3\r\nSET\r\n${key.Length}\r\n{key}\r\n${big.Length}\r\n");
            await socket.SendAsync(head);
            await socket.SendAsync(big.AsMemory(0, big.Length / 2));
            socket.Close(0); // reset: as if the process was killed
        }

        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var stored = (byte[])(await mux.GetDatabase().StringGetAsync(key))!;
        using var decoder = new RecordDecoder();
        Assert.True(decoder.TryDecode(stored, out _, out var content, out var error), error);
        Assert.Equal("net.core.netdev_budget = 300\n", Encoding.ASCII.GetString(content));
    }
}
