using System.Text;
using StackExchange.Redis;
using SysopsFast.Compare;
using SysopsFast.Format;
using SysopsFast.Query;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// --changed-since on a real redis-server: the changed keys, their diffs and kv drift over time
/// equal what two snapshot databases say (the fleet as of the time, and now), for many times; A→B→A
/// is unchanged, a key created since is new, a damaged history entry is one line on stderr.
/// </summary>
public sealed class ChangedSinceTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const int HistoryDb = 10;
    private const int ThenDb = 11;
    private const int NowDb = 12;
    private const int CliDb = 13;

    [Fact]
    public async Task Changed_keys_diffs_and_kv_drift_equal_what_the_snapshots_then_and_now_say()
    {
        var model = new HistoryFleetModel("cs", hosts: 24, seed: 41);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address + ",allowAdmin=true");
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        await server.FlushDatabaseAsync(HistoryDb);
        await server.FlushDatabaseAsync(NowDb);
        Assert.True(await model.WriteAsync(mux.GetDatabase(HistoryDb)) > 10);
        await model.WriteSnapshotAsync(mux.GetDatabase(NowDb), long.MaxValue);
        await using var history = new FleetQuery($"redis://{redis.Address}/{HistoryDb}");
        await using var now = new FleetQuery($"redis://{redis.Address}/{NowDb}");
        var times = model.Times(12, seed: 5);
        var changedAtSomeTime = 0;
        foreach (var t in times)
        {
            var since = DateTimeOffset.FromUnixTimeMilliseconds(t);
            await server.FlushDatabaseAsync(ThenDb);
            await model.WriteSnapshotAsync(mux.GetDatabase(ThenDb), t);
            await using var then = new FleetQuery($"redis://{redis.Address}/{ThenDb}");
            var expected = await ExpectedAsync(then, now, "cs", since);
            var actual = await AnswersAsync(history, "cs", since);
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.True(expected[i] == actual[i], $"since {since:O}, answer {i}:\nexpected\n{expected[i]}\nactual\n{actual[i]}");
            }
            changedAtSomeTime += expected[0].Length > 0 ? 1 : 0;
        }
        // Most times have changes since (the last has none): the comparison can fail.
        Assert.True(changedAtSomeTime >= times.Length - 2, $"changes at {changedAtSomeTime} of {times.Length} times");
    }

    [Fact]
    public async Task The_cli_lists_changed_and_new_keys_diffs_them_and_says_nothing_changed_with_exit_1()
    {
        var url = await WriteAsync(CliDb, new()
        {
            ["h1.example.org#/etc/aba"] = [("a\nb\n"u8.ToArray(), HistoryFleet.T0), ("a\nB\n"u8.ToArray(), HistoryFleet.T0 + 3_600_000), ("a\nb\n"u8.ToArray(), HistoryFleet.T0 + 7_200_000)],
            ["h2.example.org#/etc/aba"] = [("new\n"u8.ToArray(), HistoryFleet.T0 + 6_000_000)],
            ["h3.example.org#/etc/aba"] = [("same\n"u8.ToArray(), HistoryFleet.T0)],
        });

        // A -> B -> A since 10:30: h1 holds what it held then; h2 was created since.
        var (exit, stdout, stderr) = await CliProcessTests.Run("search", "/etc/aba", "--changed-since", "2026-12-01T10:30Z", "--server", url);
        Assert.True(exit == 0, stderr);
        Assert.Equal("h2.example.org#/etc/aba  new\n", stdout);

        (exit, stdout, stderr) = await CliProcessTests.Run("search", "/etc/aba", "--changed-since", "2026-12-01T11:30Z", "--server", url);
        Assert.True(exit == 0, stderr);
        Assert.Equal("h1.example.org#/etc/aba\nh2.example.org#/etc/aba  new\n", stdout);

        (exit, stdout, stderr) = await CliProcessTests.Run("search", "/etc/aba", "--changed-since", "2026-12-01T11:30Z", "--json", "--server", url);
        Assert.True(exit == 0, stderr);
        var json = QueryFleet.JsonLines(stdout);
        Assert.Equal(2, json.Count);
        Assert.False(json[0].GetProperty("new").GetBoolean());
        Assert.Equal(Md5Hex("a\nB\n"), json[0].GetProperty("md5_then").GetString());
        Assert.Equal(Md5Hex("a\nb\n"), json[0].GetProperty("md5").GetString());
        Assert.True(json[1].GetProperty("new").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json[1].GetProperty("md5_then").ValueKind);

        (exit, stdout, stderr) = await CliProcessTests.Run("search", "/etc/aba", "--changed-since", "2026-12-01T11:30Z", "--diff", "--server", url);
        Assert.True(exit == 0, stderr);
        Assert.Equal(
            "--- h1.example.org#/etc/aba@2026-12-01T11:30:00Z\n+++ h1.example.org#/etc/aba\n@@ -1,2 +1,2 @@\n a\n-B\n+b\n" +
            "--- /dev/null\n+++ h2.example.org#/etc/aba\n@@ -0,0 +1 @@\n+new\n", stdout);

        (exit, stdout, stderr) = await CliProcessTests.Run("list-files", "aba", "--changed-since", "2026-12-01T11:30Z", "--server", url);
        Assert.True(exit == 0, stderr);
        Assert.Equal("      2 /etc/aba  (1 new)\n", stdout);

        (exit, stdout, stderr) = await CliProcessTests.Run("search", "/etc/aba", "--changed-since", "2026-12-01T12:30Z", "--server", url);
        Assert.True(exit == 1, stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task Kv_over_time_counts_hosts_per_old_and_new_value()
    {
        const string Old = "net.core.somaxconn = 128\nvm.swappiness = 10\n";
        const string New = "net.core.somaxconn = 4096\nvm.swappiness = 10\n";
        var t1 = HistoryFleet.T0 + 3_600_000;
        var fleet = new Dictionary<string, (byte[], long)[]>();
        for (var h = 0; h < 6; h++)
        {
            fleet[$"k{h}.example.org#/etc/sysctl.conf"] = h switch
            {
                < 3 => [(Encoding.UTF8.GetBytes(Old), HistoryFleet.T0), (Encoding.UTF8.GetBytes(New), t1)],
                3 => [(Encoding.UTF8.GetBytes(Old), HistoryFleet.T0), ("vm.swappiness = 10\n"u8.ToArray(), t1)],
                4 => [(Encoding.UTF8.GetBytes(New), t1)],
                _ => [(Encoding.UTF8.GetBytes(Old), HistoryFleet.T0)],
            };
        }
        var url = await WriteAsync(CliDb + 1, fleet);
        var (exit, stdout, stderr) = await CliProcessTests.Run("kv", "sysctl.conf", "--changed-since", "2026-12-01T10:30Z", "--show-hosts", "1", "--server", url);
        Assert.True(exit == 0, stderr);
        Assert.Equal(
            "net.core.somaxconn  128 -> 4096  (3 hosts)  [k0.example.org +2 more]\n" +
            "net.core.somaxconn  128 -> (absent)  (1 host)  [k3.example.org]\n" +
            "net.core.somaxconn  (absent) -> 4096  (1 host)  [k4.example.org]\n" +
            "vm.swappiness  (absent) -> 10  (1 host)  [k4.example.org]\n", stdout);

        (exit, stdout, stderr) = await CliProcessTests.Run("kv", "sysctl.conf", "vm.*", "--changed-since", "2026-12-01T10:30Z", "--json", "--server", url);
        Assert.True(exit == 0, stderr);
        Assert.Equal("{\"key\":\"vm.swappiness\",\"before\":null,\"after\":\"10\",\"count\":1,\"hosts\":[]}\n", stdout);

        (exit, stdout, _) = await CliProcessTests.Run("kv", "sysctl.conf", "--changed-since", "2026-12-01T11:30Z", "--server", url);
        Assert.Equal((1, ""), (exit, stdout));
    }

    [Fact]
    public async Task Bad_input_and_a_damaged_history_entry_are_one_line_each()
    {
        var url = await WriteAsync(CliDb + 2, new() { ["d1.example.org#/etc/three"] = HistoryFleet.Three });
        var usage = new[]
        {
            new[] { "search", "three", "--changed-since", "last-tuesday" },
            ["search", "three", "--changed-since", "1h", "--as-of", "2h"],
            ["search", "three", "--diff"],
            ["search", "three", "--changed-since", "1h", "--md5sum"],
        };
        foreach (var args in usage)
        {
            var (exit, stdout, stderr) = await CliProcessTests.Run([.. args, "--server", url]);
            Assert.True(exit == 2, $"{string.Join(' ', args)}: exit {exit}, {stderr}");
            Assert.Equal("", stdout);
            Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        // The version current at 10:30 (element 1 of the list) loses its header's checksum.
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            var db = mux.GetDatabase(CliDb + 2);
            var entry = (byte[])(await db.ListGetByIndexAsync(HistoryKey.Of("d1.example.org#/etc/three"), 1))!;
            entry[40] ^= 0xff;
            await db.ListSetByIndexAsync(HistoryKey.Of("d1.example.org#/etc/three"), 1, entry);
        }
        foreach (var diff in new[] { false, true })
        {
            string[] args = ["search", "three", "--changed-since", "2026-12-01T10:30Z", "--server", url, .. diff ? new[] { "--diff" } : []];
            var (exit, stdout, stderr) = await CliProcessTests.Run(args);
            Assert.True(exit == 1, stderr);
            Assert.Equal("", stdout);
            Assert.Contains("1 key(s) left out: their version at 2026-12-01T10:30:00Z cannot be read (e.g. d1.example.org#/etc/three: version 2:", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        }
        // The version at 11:30 is whole: that answer is unaffected.
        var (code, output, error) = await CliProcessTests.Run("search", "three", "--changed-since", "2026-12-01T11:30Z", "--server", url);
        Assert.True(code == 0, error);
        Assert.Equal("d1.example.org#/etc/three\n", output);
    }

    /// <summary>The answers of the history database: changed keys, diffs, kv over time, as text.</summary>
    internal static async Task<List<string>> AnswersAsync(FleetQuery query, string prefix, DateTimeOffset since)
    {
        var changes = await query.Changes.SinceAsync(prefix + "*#*", since);
        var diffs = new List<string>();
        await query.Changes.DiffSinceAsync(prefix + "*#*", since, (c, d) => diffs.Add($"{c.Key} {c.IsNew}\n{(d is null ? "" : Encoding.UTF8.GetString(d))}"));
        var kv = await query.Changes.KeyValuesSinceAsync(new KeyValueRequest(prefix + "*#/etc/app.conf"), since);
        return
        [
            string.Join('\n', changes.Items.Select(c => $"{c.Key} {c.IsNew}")),
            string.Join('\n', diffs),
            string.Join('\n', kv.Items.Select(r => $"{r.Key} {r.Before ?? "(absent)"} -> {r.After ?? "(absent)"} {r.Count}")),
        ];
    }

    /// <summary>The same answers from two snapshots: the fleet as of the time, and now.</summary>
    private static async Task<List<string>> ExpectedAsync(FleetQuery then, FleetQuery now, string prefix, DateTimeOffset since)
    {
        var before = (await then.FetchAsync((await then.SearchAsync(prefix + "*#*")).Items)).Items.ToDictionary(r => r.Key, StringComparer.Ordinal);
        var after = (await now.FetchAsync((await now.SearchAsync(prefix + "*#*")).Items)).Items;
        var changed = after.Where(r => !before.TryGetValue(r.Key, out var b) || b.Header.Md5 != r.Header.Md5).ToArray();
        var label = since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var diffs = changed.Select(r => before.TryGetValue(r.Key, out var b)
            ? $"{r.Key} False\n{UnifiedDiff.Create(b.Contents, r.Contents, $"{r.Key}@{label}", r.Key)}"
            : $"{r.Key} True\n{UnifiedDiff.Create([], r.Contents, "/dev/null", r.Key)}");
        var kv = changed.Where(r => r.Key.EndsWith("#/etc/app.conf", StringComparison.Ordinal))
            .SelectMany(r => KvChanges(before.TryGetValue(r.Key, out var b) ? b.Contents : [], r.Contents))
            .CountBy(c => c)
            .OrderBy(c => c.Key.Key, StringComparer.Ordinal).ThenByDescending(c => c.Value)
            .ThenBy(c => c.Key.Before is null).ThenBy(c => c.Key.Before, StringComparer.Ordinal)
            .ThenBy(c => c.Key.After is null).ThenBy(c => c.Key.After, StringComparer.Ordinal);
        return
        [
            string.Join('\n', changed.Select(r => $"{r.Key} {!before.ContainsKey(r.Key)}")),
            string.Join('\n', diffs),
            string.Join('\n', kv.Select(c => $"{c.Key.Key} {c.Key.Before ?? "(absent)"} -> {c.Key.After ?? "(absent)"} {c.Value}")),
        ];
    }

    private static IEnumerable<(string Key, string? Before, string? After)> KvChanges(byte[] before, byte[] after)
    {
        var a = KeyValueParser.Parse(before).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        var b = KeyValueParser.Parse(after).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        return a.Keys.Union(b.Keys).Select(k => (k, a.TryGetValue(k, out var x) ? x : null, b.TryGetValue(k, out var y) ? y : null)).Where(c => c.Item2 != c.Item3);
    }

    private async Task<string> WriteAsync(int db, Dictionary<string, (byte[] Content, long InsertedMs)[]> fleet)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address + ",allowAdmin=true");
        await mux.GetServer(mux.GetEndPoints()[0]).FlushDatabaseAsync(db);
        foreach (var (key, versions) in fleet)
        {
            await HistoryFleet.PutAsync(mux.GetDatabase(db), key, versions);
        }
        return $"redis://{redis.Address}/{db}";
    }

    private static string Md5Hex(string text) => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(text)));
}
