using StackExchange.Redis;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// Header-only reads against a server that refuses part of them (ACLs on a real redis-server):
/// they need no scripting (pipelined GETRANGE); a refused GETRANGE fails the core, never turns
/// every key into "missing".
/// </summary>
public sealed class HeaderReadFaultTests : IAsyncLifetime
{
    private RedisProcess _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisProcess.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task Headers_need_no_scripting_and_a_refused_getrange_is_an_error()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(_redis.Address + ",allowAdmin=true");
        var db = mux.GetDatabase(0);
        for (var i = 0; i < 5; i++)
        {
            await QueryFleet.PutAsync(db, $"h{i}.example.org", "/etc/motd", "hello\n"u8.ToArray());
        }

        await db.ExecuteAsync("ACL", "SETUSER", "default", "-eval", "-evalsha");
        await using (var query = new FleetQuery([ServerAddress.Parse(_redis.Address)]))
        {
            var headers = await query.ReadMetadataAsync("motd");
            Assert.Equal(5, headers.Items.Count);
            Assert.All(headers.Items, h => Assert.Equal(6, h.Header.RawLength));
        }

        await db.ExecuteAsync("ACL", "SETUSER", "default", "-getrange");
        await using (var query = new FleetQuery([ServerAddress.Parse(_redis.Address)]))
        {
            var e = await Assert.ThrowsAsync<SysopsFastException>(() => query.ReadMetadataAsync("motd"));
            Assert.Contains("NOPERM", e.Message, StringComparison.Ordinal);
        }
    }
}
