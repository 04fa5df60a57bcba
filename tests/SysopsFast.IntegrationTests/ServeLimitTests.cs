using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// serve's limits on a real redis-server that the test pauses (CLIENT PAUSE: commands wait, as on an
/// overloaded server): a client that goes away stops its query before Redis is read, a query over
/// --request-timeout is 504, one over --max-queries is 429. Each test has its own server.
/// </summary>
public sealed partial class ServeLimitTests : IAsyncLifetime
{
    private const string Headline = "/api/v1/grep?object=sysctl-a&pattern=net.core.netdev_budget&uniq=true";
    private RedisProcess? _redis;
    private ServeProcess? _serve;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    public async Task InitializeAsync()
    {
        _redis = await RedisProcess.StartAsync();
        await FleetGenerator.GenerateAsync(new SyntheticFleet(100, 3), ServerAddress.Parse(_redis.Address), PayloadCodec.Lz4, TimeSpan.FromHours(1), plain: false, CancellationToken.None);
        // A connect deadline (30 s) far over the pauses below: a paused query waits, it does not fail.
        _serve = await ServeProcess.StartAsync(new Dictionary<string, string> { ["SYSOPS_FAST_CONNECT_TIMEOUT"] = "30" }, "--server", _redis.Address, "--max-queries", "1", "--request-timeout", "4s");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_serve is not null)
        {
            await _serve.DisposeAsync();
        }
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    private Uri Url(string path) => new(_serve!.Url, path);

    private async Task<string> RedisCli(params string[] command)
    {
        var (_, stdout, stderr) = await CliProcessTests.RunProgram("redis-cli", null, ["-p", _redis!.Port.ToString(CultureInfo.InvariantCulture), .. command]);
        return (stdout + stderr).Trim();
    }

    /// <summary>How many MGET commands Redis has run (the records are read with MGET).</summary>
    private async Task<long> MgetCalls()
    {
        var stats = await RedisCli("INFO", "commandstats");
        return MgetStat().Match(stats) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"cmdstat_mget:calls=(\d+)")]
    private static partial Regex MgetStat();

    private async Task<string> Metrics() => await _http.GetStringAsync(Url("/metrics"));

    [Fact]
    public async Task A_client_that_goes_away_stops_its_query_before_redis_is_read()
    {
        var warm = await _http.GetStringAsync(Url(Headline));
        Assert.Contains("\"outcome\":\"matched\"", warm, StringComparison.Ordinal);
        var mgets = await MgetCalls();
        Assert.True(mgets > 0);

        // Paused for 3 s: a query that went on would read after it.
        Assert.Equal("OK", await RedisCli("CLIENT", "PAUSE", "3000", "ALL"));
        using (var gone = new CancellationTokenSource(TimeSpan.FromMilliseconds(400)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _http.GetStringAsync(Url(Headline), gone.Token));
        }
        // The query ends while Redis is still paused: cancelled, not answered.
        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (!(await Metrics()).Contains("outcome=\"disconnected\"} 1", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Contains("sysops_fast_queries_total{command=\"grep\",outcome=\"disconnected\"} 1", await Metrics(), StringComparison.Ordinal);
        Assert.Contains("sysops_fast_queries_running 0", await Metrics(), StringComparison.Ordinal);
        // After the pause, nothing more is read.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(mgets, await MgetCalls());
    }

    [Fact]
    public async Task A_query_over_the_timeout_is_504_and_one_over_the_limit_is_429()
    {
        // Warm: the first query of a process compiles its code, which a loaded machine may take seconds for.
        Assert.Contains("\"outcome\":\"matched\"", await _http.GetStringAsync(Url(Headline)), StringComparison.Ordinal);
        Assert.Equal("OK", await RedisCli("CLIENT", "PAUSE", "6000", "ALL"));
        var slow = _http.GetAsync(Url(Headline));
        // The first query holds the only slot (--max-queries 1) until its 4 s timeout.
        await Task.Delay(500);
        using (var second = await _http.GetAsync(Url(Headline)))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
            Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
            Assert.Contains("--max-queries", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using var first = await slow;
        Assert.Equal(HttpStatusCode.GatewayTimeout, first.StatusCode);
        using var problem = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
        Assert.Contains("--request-timeout", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Once Redis answers again, so does serve.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Contains("\"outcome\":\"matched\"", await _http.GetStringAsync(Url(Headline)), StringComparison.Ordinal);
    }
}
