using System.Text;
using System.Text.Json;
using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Query;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// kv on a real redis-server: five hosts' /etc/sysctl.conf in three spellings (k0 and k1 identical,
/// k2 with CRLF, k3 repeating a key, k4 without net.core.netdev_budget), plus a package list for a join.
/// </summary>
public sealed class KvTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private const int Db = 1;
    private const int FleetDb = 2;
    private string Url => $"redis://{redis.Address}/{Db}";

    private static string Host(int i) => $"k{i}.example.org";

    private static readonly string[] Confs =
    [
        "# managed\nvm.swappiness = 10\nnet.core.netdev_budget = 300\nnet.core.somaxconn = 4096\n",
        "# managed\nvm.swappiness = 10\nnet.core.netdev_budget = 300\nnet.core.somaxconn = 4096\n",
        "vm.swappiness = 10\r\nnet.core.netdev_budget=600\r\nnet.core.somaxconn = 4096\r\n",
        "vm.swappiness=10\nnet.core.netdev_budget 300\nnet.core.somaxconn = 4096\n; tuned later\nnet.core.somaxconn = 1024\n",
        "vm.swappiness\t10\n\nnet.core.somaxconn = 4096\n",
    ];

    /// <summary>The whole answer, as the CLI prints it.</summary>
    private const string Expected =
        "net.core.netdev_budget\n      3 300\n      1 600\n      1 (absent)\n\n" +
        "net.core.somaxconn\n      4 4096\n      1 1024\n\n" +
        "vm.swappiness\n      5 10\n";

    public async Task InitializeAsync()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var db = mux.GetDatabase(Db);
        for (var i = 0; i < Confs.Length; i++)
        {
            await QueryFleet.PutAsync(db, Host(i), "/etc/sysctl.conf", Encoding.UTF8.GetBytes(Confs[i]));
        }
        await QueryFleet.PutAsync(db, Host(2), "cmd/rpm-qa", "kernel-5.14.0-427\n"u8.ToArray());
        await QueryFleet.PutAsync(db, Host(4), "cmd/rpm-qa", "kernel-5.14.0-427\n"u8.ToArray());
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_library_counts_each_value_and_the_records_without_the_key()
    {
        await using var query = new FleetQuery(Url);
        var answer = await query.KeyValuesAsync(new KeyValueRequest("sysctl.conf"));
        Assert.Equal(["net.core.netdev_budget", "net.core.somaxconn", "vm.swappiness"], answer.Items.Select(r => r.Key));
        Assert.Equal([new KeyValueCount("300", 3, []), new KeyValueCount("600", 1, []), new KeyValueCount(null, 1, [])], answer.Items[0].Values.ToArray());
        Assert.Equal([true, true, false], answer.Items.Select(r => r.Drifts));
        Assert.Equal(5, answer.Summary.RecordsRead);

        var sampled = await query.KeyValuesAsync(new KeyValueRequest("sysctl.conf") { KeyGlob = "net.core.somaxconn", SampleHosts = 1 });
        Assert.Equal([new KeyValueCount("4096", 4, [Host(0)]), new KeyValueCount("1024", 1, [Host(3)])], sampled.Items.Single().Values.ToArray());
    }

    [Fact]
    public async Task The_cli_prints_drifting_keys_first_with_counts()
    {
        var (exit, stdout, stderr) = await CliProcessTests.Run("kv", "sysctl.conf", "--server", Url);
        Assert.True(exit == 0, stderr);
        Assert.Equal(Expected, stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Only_drift_and_key_glob_narrow_the_keys()
    {
        var (exit, stdout, stderr) = await CliProcessTests.Run("kv", "sysctl.conf", "--only-drift", "--server", Url);
        Assert.True(exit == 0, stderr);
        Assert.Equal("net.core.netdev_budget\n      3 300\n      1 600\n      1 (absent)\n\nnet.core.somaxconn\n      4 4096\n      1 1024\n", stdout);

        (exit, stdout, stderr) = await CliProcessTests.Run("kv", "sysctl.conf", "net.core.s*", "--server", Url);
        Assert.True(exit == 0, stderr);
        Assert.Equal("net.core.somaxconn\n      4 4096\n      1 1024\n", stdout);
    }

    [Fact]
    public async Task Show_hosts_names_the_first_hosts_of_each_value_or_all_of_them()
    {
        var (exit, stdout, stderr) = await CliProcessTests.Run("kv", "sysctl.conf", "net.core.netdev_budget", "--show-hosts", "2", "--server", Url);
        Assert.True(exit == 0, stderr);
        Assert.Equal($"net.core.netdev_budget\n      3 300  [{Host(0)} {Host(1)} +1 more]\n      1 600  [{Host(2)}]\n      1 (absent)  [{Host(4)}]\n", stdout);

        (exit, stdout, stderr) = await CliProcessTests.Run("kv", "sysctl.conf", "net.core.*", "--show-hosts", "all", "--server", Url);
        Assert.True(exit == 0, stderr);
        Assert.Equal(
            $"net.core.netdev_budget\n      3 300  [{Host(0)} {Host(1)} {Host(3)}]\n      1 600  [{Host(2)}]\n      1 (absent)  [{Host(4)}]\n\n" +
            $"net.core.somaxconn\n      4 4096  [{Host(0)} {Host(1)} {Host(2)} {Host(4)}]\n      1 1024  [{Host(3)}]\n", stdout);
    }

    [Fact]
    public async Task Json_rows_hold_key_values_counts_and_sample_hosts()
    {
        var (exit, stdout, stderr) = await CliProcessTests.Run("kv", "sysctl.conf", "net.core.netdev_budget", "--json", "--show-hosts", "1", "--server", Url);
        Assert.True(exit == 0, stderr);
        var line = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal("net.core.netdev_budget", root.GetProperty("key").GetString());
        var values = root.GetProperty("values").EnumerateArray().ToArray();
        Assert.Equal(3, values.Length);
        Assert.Equal("300", values[0].GetProperty("value").GetString());
        Assert.Equal(3, values[0].GetProperty("count").GetInt64());
        Assert.Equal([Host(0)], values[0].GetProperty("hosts").EnumerateArray().Select(h => h.GetString()));
        Assert.Equal(JsonValueKind.Null, values[2].GetProperty("value").ValueKind);
        Assert.Equal(1, values[2].GetProperty("count").GetInt64());
        Assert.Equal([Host(4)], values[2].GetProperty("hosts").EnumerateArray().Select(h => h.GetString()));

        (exit, stdout, _) = await CliProcessTests.Run("kv", "sysctl.conf", "vm.*", "--json", "--server", Url);
        Assert.Equal(0, exit);
        Assert.Equal("{\"key\":\"vm.swappiness\",\"values\":[{\"value\":\"10\",\"count\":5,\"hosts\":[]}]}\n", stdout);
    }

    [Fact]
    public async Task Exit_codes_are_0_found_1_none_2_usage()
    {
        var (exit, stdout, _) = await CliProcessTests.Run("kv", "sysctl.conf", "no.such.*", "--server", Url);
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);

        // Found, but the fleet agrees: nothing to print under --only-drift.
        (exit, stdout, _) = await CliProcessTests.Run("kv", "sysctl.conf", "vm.*", "--only-drift", "--server", Url);
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);

        (exit, _, var stderr) = await CliProcessTests.Run("kv", "sysctl.conf", "--show-hosts", "some", "--server", Url);
        Assert.Equal(2, exit);
        Assert.Contains("--show-hosts", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        (exit, _, stderr) = await CliProcessTests.Run("kv", "no-such-object", "--server", Url);
        Assert.Equal(2, exit);
        Assert.Contains("no object matches", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Joins_and_cost_apply_as_on_grep()
    {
        // k2 and k4 hold the package list: one 600, one without the key.
        var (exit, stdout, stderr) = await CliProcessTests.Run("kv", "sysctl.conf", "net.core.netdev_budget", "--having", "rpm-qa", "kernel-", "--cost", "--server", Url);
        Assert.True(exit == 0, stderr);
        Assert.Equal("net.core.netdev_budget\n      1 600\n      1 (absent)\n", stdout);
        Assert.Contains("cost: total", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_synthetic_fleets_kv_answer_equals_its_expected_uniq_counts()
    {
        var fleet = new SyntheticFleet(400, 11);
        var server = ServerAddress.Parse($"redis://{redis.Address}/{FleetDb}");
        await FleetGenerator.GenerateAsync(fleet, server, PayloadCodec.ZstdDictionary, null, plain: false, CancellationToken.None);
        await using var query = new FleetQuery([server]);
        var answer = await query.KeyValuesAsync(new KeyValueRequest(SyntheticFleet.HeadlineObject) { KeyGlob = "net.core.netdev_budget*" });

        // grep --uniq's lines are 'key = value': the same counts, split at " = ".
        var expected = fleet.ExpectedUniq()
            .Select(u => (Parts: u.Line.Split(" = "), u.Count))
            .GroupBy(u => u.Parts[0], StringComparer.Ordinal)
            .OrderBy(g => g.Count() > 1 ? 0 : 1).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, Values: g.Select(u => new KeyValueCount(u.Parts[1], u.Count, [])).ToArray()))
            .ToArray();
        Assert.Equal(expected.Select(e => e.Key), answer.Items.Select(r => r.Key));
        foreach (var (row, want) in answer.Items.Zip(expected))
        {
            Assert.Equal(want.Values, row.Values.ToArray());
        }
        Assert.Equal(400, answer.Summary.RecordsRead);
        Assert.Contains(answer.Items, r => r.Key == "net.core.netdev_budget" && r.Drifts);
    }
}
