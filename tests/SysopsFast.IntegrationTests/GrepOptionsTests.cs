using System.Text.Json;
using StackExchange.Redis;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>grep's -n, --json, --uniq --show-hosts / --csv / --json, --max-age and the over-the-cap report, through the CLI process.</summary>
public sealed class GrepOptionsTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private string Url => $"redis://{redis.Address}/3";

    public async Task InitializeAsync()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var db = mux.GetDatabase(3);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await QueryFleet.PutAsync(db, "a.example.org", "cmd/sysctl-a", "kernel.x = 1\nnet.core.netdev_budget = 300\n"u8.ToArray(), insertedMs: now);
        await QueryFleet.PutAsync(db, "b.example.org", "cmd/sysctl-a", "net.core.netdev_budget = 300\n"u8.ToArray(), insertedMs: now);
        await QueryFleet.PutAsync(db, "c.example.org", "cmd/sysctl-a", "net.core.netdev_budget = 600\n"u8.ToArray(), insertedMs: now - (3 * 3600 * 1000));
        await QueryFleet.PutAsync(db, "a.example.org", "/etc/sysctl.conf", "net.core.netdev_budget = 600\n"u8.ToArray(), insertedMs: now);
        // Stored without its contents (over the size cap when pushed): reported, never searched as empty.
        await db.StringSetAsync("d.example.org#cmd/sysctl-a", RecordEncoder.Encode(QueryFleet.RandomText(4096, 1), FileStat.None, now, PayloadCodec.Lz4, sizeCap: 1024));
        await Task.WhenAll(KeyCatalog.Add(db, "d.example.org", "cmd/sysctl-a", double.PositiveInfinity));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Line_numbers_and_json_lines()
    {
        var (exit, stdout, stderr) = await CliProcessTests.Run("grep", "sysctl-a", "netdev_budget", "-n", "-H", "--server", Url);
        Assert.Equal(0, exit);
        Assert.Equal(["a.example.org:2:net.core.netdev_budget = 300", "b.example.org:1:net.core.netdev_budget = 300", "c.example.org:1:net.core.netdev_budget = 600"], stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        Assert.Equal("sysops-fast: 1 object(s) too large to store were not searched: first d.example.org#cmd/sysctl-a\n", stderr);

        (exit, stdout, _) = await CliProcessTests.Run("grep", "sysctl-a", "kernel.x", "--json", "--server", Url);
        Assert.Equal(0, exit);
        var line = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("a.example.org", line.GetProperty("host").GetString());
        Assert.Equal("cmd/sysctl-a", line.GetProperty("object").GetString());
        Assert.Equal(1, line.GetProperty("line_number").GetInt32());
        Assert.Equal("kernel.x = 1", line.GetProperty("line").GetString());
    }

    [Fact]
    public async Task Uniq_shows_sample_hosts_as_text_csv_and_json()
    {
        var (exit, stdout, _) = await CliProcessTests.Run("grep", "sysctl-a", "netdev_budget", "--uniq", "--show-hosts", "all", "--server", Url);
        Assert.Equal(0, exit);
        var rows = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, rows.Length);
        Assert.StartsWith("      2 net.core.netdev_budget = 300\t", rows[0], StringComparison.Ordinal);
        Assert.Equal(["a.example.org", "b.example.org"], rows[0].Split('\t')[1].Split(' ').Order(StringComparer.Ordinal));
        Assert.Equal("      1 net.core.netdev_budget = 600\tc.example.org", rows[1]);

        (exit, stdout, _) = await CliProcessTests.Run("grep", "sysctl-a", "netdev_budget", "--uniq", "--csv", "--server", Url);
        Assert.Equal(0, exit);
        Assert.Equal("count,line\r\n2,net.core.netdev_budget = 300\r\n1,net.core.netdev_budget = 600\r\n", stdout);

        (exit, stdout, _) = await CliProcessTests.Run("grep", "sysctl-a", "netdev_budget", "--uniq", "--json", "--show-hosts", "1", "--server", Url);
        Assert.Equal(0, exit);
        var json = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([2, 1], json.Select(j => j.GetProperty("count").GetInt32()));
        Assert.Equal(1, json[0].GetProperty("hosts").GetArrayLength());
        Assert.Equal("c.example.org", json[1].GetProperty("hosts")[0].GetString());
    }

    [Fact]
    public async Task Max_age_skips_and_counts_stale_records()
    {
        var (exit, stdout, stderr) = await CliProcessTests.Run("grep", "sysctl-a", "netdev_budget", "--uniq", "--max-age", "1h", "--server", Url);
        Assert.Equal(0, exit);
        Assert.Equal("      2 net.core.netdev_budget = 300\n", stdout);
        Assert.Contains("1 stale record(s)", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--csv")]
    [InlineData("--show-hosts", "2")]
    [InlineData("--uniq", "--show-hosts", "none")]
    [InlineData("--uniq", "--json", "--csv")]
    [InlineData("--max-age", "soon")]
    public async Task Bad_combinations_are_one_line_usage_errors(params string[] options)
    {
        var (exit, _, stderr) = await CliProcessTests.Run(["grep", "sysctl-a", "x", .. options, "--server", Url]);
        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>When the pattern selects more than one object of a host, records are named host#object.</summary>
    [Fact]
    public async Task Several_objects_per_host_are_named_host_hash_object()
    {
        var (exit, stdout, _) = await CliProcessTests.Run("grep", "sysctl", "netdev_budget = 600", "-H", "--server", Url);
        Assert.Equal(0, exit);
        Assert.Equal(["a.example.org#/etc/sysctl.conf:net.core.netdev_budget = 600", "c.example.org#cmd/sysctl-a:net.core.netdev_budget = 600"], stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

        (exit, stdout, _) = await CliProcessTests.Run("grep", "sysctl", "600", "-l", "--server", Url);
        Assert.Equal(0, exit);
        Assert.Equal(["a.example.org#/etc/sysctl.conf", "c.example.org#cmd/sysctl-a"], stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }
}
