using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// serve keeps its Redis connections between requests, one set per Redis identity (serve's own,
/// each Basic user and password), on a real redis-server whose CLIENT LIST shows them.
/// </summary>
public sealed class ServePoolTests(ServeFixture serve) : IClassFixture<ServeFixture>
{
    private const string Headline = "/api/v1/grep?object=sysctl-a&pattern=net.core.netdev_budget&uniq=true";

    private static AuthenticationHeaderValue Basic(string user, string password) => ServeTests.Basic(user, password);

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient http, Uri url, AuthenticationHeaderValue? auth = null)
    {
        var (status, _, body) = await ServeTests.GetAsync(http, url, auth);
        return (status, body);
    }

    /// <summary>The ids of the connections Redis has open for <paramref name="user"/> (redis-cli's own left out).</summary>
    private static async Task<string[]> ConnectionIds(Func<string[], Task<string>> redisCli, string user)
    {
        var list = await redisCli(["CLIENT", "LIST"]);
        return list.Split('\n')
            .Where(l => l.Contains($" user={user} ", StringComparison.Ordinal) && !l.Contains("cmd=client|list", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[0])
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    private static async Task<double> Identities(HttpClient http, Uri serveUrl)
    {
        var metrics = await http.GetStringAsync(new Uri(serveUrl, "/metrics"));
        var line = metrics.Split('\n').Single(l => l.StartsWith("sysops_fast_redis_identities ", StringComparison.Ordinal));
        return double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Requests_reuse_the_connection_the_first_one_opened()
    {
        var headline = new Uri(serve.Open, Headline);
        Assert.Contains("\"outcome\":\"matched\"", (await GetAsync(serve.Http, headline)).Body, StringComparison.Ordinal);
        var first = await ConnectionIds(serve.RedisCli, "default");
        Assert.NotEmpty(first);
        for (var i = 0; i < 3; i++)
        {
            Assert.Contains("\"outcome\":\"matched\"", (await GetAsync(serve.Http, headline)).Body, StringComparison.Ordinal);
            Assert.Equal(first, await ConnectionIds(serve.RedisCli, "default"));
        }
        Assert.Equal(1, await Identities(serve.Http, serve.Open));
    }

    /// <summary>
    /// reader may read, pusher may not, a wrong password is refused: asked at once, round after round,
    /// each gets its own ACL's answer; the wrong passwords (and many unknown users) neither join the
    /// pool nor push reader's connection out of it.
    /// </summary>
    [Fact]
    public async Task Basic_users_keep_their_own_connections_and_a_wrong_password_evicts_nothing()
    {
        var headline = new Uri(serve.Basic, Headline);
        string[]? readerConnections = null;
        for (var round = 0; round < 4; round++)
        {
            var answers = await Task.WhenAll(
                GetAsync(serve.Http, headline, Basic("reader", ServeFixture.Password)),
                GetAsync(serve.Http, headline, Basic("pusher", ServeFixture.Password)),
                GetAsync(serve.Http, headline, Basic("reader", "not the password")));
            Assert.Equal(HttpStatusCode.OK, answers[0].Status);
            Assert.Contains("\"outcome\":\"matched\"", answers[0].Body, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Forbidden, answers[1].Status);
            Assert.Contains("NOPERM", answers[1].Body, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Unauthorized, answers[2].Status);
            var ids = await ConnectionIds(serve.RedisCli, "reader");
            Assert.Single(ids);
            readerConnections ??= ids;
            Assert.Equal(readerConnections, ids);
        }
        // reader and pusher (whose password is right; Redis refuses it reads, not its login).
        Assert.Equal(2, await Identities(serve.Http, serve.Basic));

        // More unknown users than the pool keeps identities: none is kept, reader's stays.
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(serve.Http, headline, Basic($"nobody{i}", "x"))).Status);
        }
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(serve.Http, headline, Basic("reader", ServeFixture.Password))).Status);
        Assert.Equal(readerConnections, await ConnectionIds(serve.RedisCli, "reader"));
        Assert.Equal(2, await Identities(serve.Http, serve.Basic));
    }

    /// <summary>A server killed between requests: the next request says it is down, and once it is back, serve reconnects.</summary>
    [Fact]
    public async Task A_server_killed_between_requests_is_reconnected_once_it_is_back()
    {
        var redis = await RedisProcess.StartAsync();
        try
        {
            await Generate(redis);
            await using var own = await ServeProcess.StartAsync("--server", redis.Address);
            var headline = new Uri(own.Url, Headline);
            Assert.Contains("\"outcome\":\"matched\"", (await GetAsync(serve.Http, headline)).Body, StringComparison.Ordinal);

            var port = redis.Port;
            await redis.DisposeAsync();
            var down = await GetAsync(serve.Http, headline);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Status);
            Assert.Contains("no server of core", down.Body, StringComparison.Ordinal);

            redis = await RestartAsync(port);
            Assert.Contains("\"outcome\":\"matched\"", (await GetAsync(serve.Http, headline)).Body, StringComparison.Ordinal);

            // Killed and back between two requests: the kept connection is dead, a new one answers.
            await redis.DisposeAsync();
            redis = await RestartAsync(port);
            Assert.Contains("\"outcome\":\"matched\"", (await GetAsync(serve.Http, headline)).Body, StringComparison.Ordinal);
        }
        finally
        {
            await redis.DisposeAsync();
        }
    }

    private static async Task<RedisProcess> RestartAsync(int port)
    {
        var redis = await RedisProcess.StartOnPortAsync(port);
        await Generate(redis);
        return redis;
    }

    private static Task Generate(RedisProcess redis) =>
        FleetGenerator.GenerateAsync(new SyntheticFleet(50, 3), ServerAddress.Parse(redis.Address), PayloadCodec.Lz4, TimeSpan.FromHours(1), plain: false, CancellationToken.None);
}
