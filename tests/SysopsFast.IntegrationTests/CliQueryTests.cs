using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// The query commands (search, list-files, compare, compare-all, info) as the real `sysops-fast`
/// process: exit codes 0 (found), 1 (nothing), 2 (error), the text layouts and the NDJSON fields.
/// </summary>
public sealed class CliQueryTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-cli-query-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string Url(int db) => $"redis://{redis.Address}/{db}";

    private static readonly byte[] HostsA = Encoding.UTF8.GetBytes("127.0.0.1 localhost\n10.0.0.1 old\n");
    private static readonly byte[] HostsB = Encoding.UTF8.GetBytes("127.0.0.1 localhost\n10.0.0.2 new\n");

    /// <summary>Invalid UTF-8 (a lone 0xFF, a truncated sequence) with a NUL: printed as base64 in JSON.</summary>
    private static readonly byte[] Binary = [0x7F, 0x45, 0x4C, 0x46, 0xFF, 0xFE, 0x00, 0xC3, 0x0A];

    /// <summary>
    /// Four hosts, one with a hostile name: /etc/hosts (A on web1, web2; B on web3 and the hostile
    /// one), /etc/motd (text, each its own), and /var/lib/blob.db (binary) on web1.
    /// </summary>
    private static readonly string[] Hosts = ["web1.example.org", "web2.example.org", "web3.example.org", "odd host\u001b[1m ünï"];

    private static byte[] HostsFileOf(int host) => host < 2 ? HostsA : HostsB;

    private static byte[] MotdOf(string host) => Encoding.UTF8.GetBytes($"Welcome to {host}\nauthorized use only\n");

    /// <summary>Written as push writes records (mode 0644, uid 0, the test mtime): import refuses the hostile host name, a writer of the server need not.</summary>
    private async Task ImportAsync(int db)
    {
        await using var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Address);
        var database = mux.GetDatabase(db);
        foreach (var (h, i) in Hosts.Select((h, i) => (h, i)))
        {
            await QueryFleet.PutAsync(database, h, "/etc/hosts", HostsFileOf(i));
            await QueryFleet.PutAsync(database, h, "/etc/motd", MotdOf(h));
        }
        await QueryFleet.PutAsync(database, Hosts[0], "/var/lib/blob.db", Binary);
    }

    private Redis.ServerAddress Sysops(int db) => Redis.ServerAddress.Parse(Url(db));

    private static string Key(string host, string objectName) => host + "#" + objectName;

    private static string[] Sorted(IEnumerable<string> keys) => keys.Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task Cli_query_search_exit_codes_are_0_found_1_nothing_2_error()
    {
        await ImportAsync(1);
        var (exit, stdout, stderr) = await CliProcessTests.Run("search", "motd", "--server", Url(1));
        Assert.True(exit == 0, stderr);
        Assert.Equal(string.Concat(Sorted(Hosts.Select(h => Key(h, "/etc/motd"))).Select(k => k + "\n")), stdout);

        (exit, stdout, _) = await CliProcessTests.Run("search", "no-such-object", "--server", Url(1));
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);

        (exit, stdout, _) = await CliProcessTests.Run("search", "no-such-object", "--md5sum", "--server", Url(1));
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);

        var dead = $"127.0.0.1:{RedisServerFixture.FreePort()}";
        (exit, _, stderr) = await CliProcessTests.Run("search", "motd", "--server", dead);
        Assert.Equal(2, exit);
        Assert.Contains(dead, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);

        (exit, stdout, stderr) = await CliProcessTests.Run("search", "motd", "--md5sum", "--stat", "--server", Url(1));
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains("cannot be combined", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Cli_query_search_field_flags_print_each_field_and_H_pads_the_key_to_column_100()
    {
        await ImportAsync(2);
        var keys = Sorted(Hosts.Select(h => Key(h, "/etc/hosts")));
        byte[] ContentOf(string key) => HostsFileOf(Array.IndexOf(Hosts, ObjectKey.Split(key).Host));

        var (exit, stdout, stderr) = await CliProcessTests.Run("search", "/etc/hosts", "--md5sum", "-H", "--server", Url(2));
        Assert.True(exit == 0, stderr);
        Assert.Equal(string.Concat(keys.Select(k => k.PadRight(100) + QueryFleet.Md5Hex(ContentOf(k)) + "\n")), stdout);
        Assert.All(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Equal(132, l.Length));

        (exit, stdout, _) = await CliProcessTests.Run("search", "/etc/hosts", "--md5sum", "--server", Url(2));
        Assert.Equal(0, exit);
        Assert.Equal(string.Concat(keys.Select(k => QueryFleet.Md5Hex(ContentOf(k)) + "\n")), stdout);

        (exit, stdout, _) = await CliProcessTests.Run("search", "/etc/hosts", "--stat", "--server", Url(2));
        Assert.Equal(0, exit);
        Assert.Equal(string.Concat(keys.Select(k => $"mode=100644 uid=0 gid=0 size={ContentOf(k).Length} mtime={QueryFleet.Mtime}\n")), stdout);

        (exit, stdout, _) = await CliProcessTests.Run("search", "/etc/hosts", "--wordcount", "--server", Url(2));
        Assert.Equal(0, exit);
        Assert.Equal(string.Concat(keys.Select(_ => "chars=33 lines=2 words=4\n")), stdout);

        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 120;
        (exit, stdout, _) = await CliProcessTests.Run("search", "/etc/hosts", "--time", "--server", Url(2));
        Assert.Equal(0, exit);
        Assert.All(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.InRange(double.Parse(l, CultureInfo.InvariantCulture), before, before + 240));

        (exit, stdout, _) = await CliProcessTests.Run("search", "/etc/hosts", "--time-updated", "--server", Url(2));
        Assert.Equal(0, exit);
        Assert.All(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Matches(@"^0:0\d:\d\d$", l));

        (exit, stdout, _) = await CliProcessTests.Run("search", "/etc/hosts", "--time-human", "--server", Url(2));
        Assert.Equal(0, exit);
        Assert.All(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Matches(@"^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 123]\d \d\d:\d\d:\d\d \d{4}$", l));

        (exit, stdout, _) = await CliProcessTests.Run("search", "/etc/hosts", "--contents", "--server", Url(2));
        Assert.Equal(0, exit);
        Assert.Equal(string.Concat(keys.Select(k => Encoding.UTF8.GetString(ContentOf(k)))), stdout);

        (exit, stdout, _) = await CliProcessTests.Run("search", "/etc/hosts", "--contents", "-H", "--server", Url(2));
        Assert.Equal(0, exit);
        Assert.Equal(string.Concat(keys.SelectMany(k => Encoding.UTF8.GetString(ContentOf(k)).TrimEnd('\n').Split('\n').Select(l => k.PadRight(100) + l + "\n"))), stdout);
    }

    [Fact]
    public async Task Cli_query_search_json_lines_have_the_documented_fields()
    {
        await ImportAsync(3);
        var motdKeys = Sorted(Hosts.Select(h => Key(h, "/etc/motd")));

        var (exit, stdout, stderr) = await CliProcessTests.Run("search", "motd", "--json", "--server", Url(3));
        Assert.True(exit == 0, stderr);
        var lines = QueryFleet.JsonLines(stdout);
        Assert.Equal(motdKeys, lines.Select(l => l.GetProperty("key").GetString()));
        Assert.All(lines, l =>
        {
            Assert.Equal(["key", "host", "object"], l.EnumerateObject().Select(p => p.Name));
            var (host, obj) = ObjectKey.Split(l.GetProperty("key").GetString()!);
            Assert.Equal(host, l.GetProperty("host").GetString());
            Assert.Equal(obj, l.GetProperty("object").GetString());
        });
        Assert.Contains(lines, l => l.GetProperty("host").GetString() == Hosts[3]);
        Assert.DoesNotContain('\u001b', stdout);

        (exit, stdout, stderr) = await CliProcessTests.Run("search", "motd", "--json", "--md5sum", "--server", Url(3));
        Assert.True(exit == 0, stderr);
        lines = QueryFleet.JsonLines(stdout);
        Assert.Equal(motdKeys, lines.Select(l => l.GetProperty("key").GetString()));
        string[] fields = ["key", "host", "object", "md5", "size", "mode", "uid", "gid", "mtime", "inserted", "chars", "lines", "words", "codec", "stored_bytes"];
        foreach (var l in lines)
        {
            Assert.Equal(fields, l.EnumerateObject().Select(p => p.Name));
            var motd = MotdOf(l.GetProperty("host").GetString()!);
            Assert.Equal(QueryFleet.Md5Hex(motd), l.GetProperty("md5").GetString());
            Assert.Equal(motd.Length, l.GetProperty("size").GetInt64());
            Assert.Equal("100644", l.GetProperty("mode").GetString());
            Assert.Equal(0, l.GetProperty("uid").GetInt64());
            Assert.Equal(0, l.GetProperty("gid").GetInt64());
            Assert.Equal(QueryFleet.Mtime, l.GetProperty("mtime").GetInt64());
            Assert.InRange(l.GetProperty("inserted").GetDouble(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 300, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
            Assert.Equal(Encoding.UTF8.GetCharCount(motd), l.GetProperty("chars").GetInt64());
            Assert.Equal(2, l.GetProperty("lines").GetInt64());
            Assert.Equal(RecordEncoder.Count(motd).Words, l.GetProperty("words").GetInt64());
            Assert.Equal("lz4", l.GetProperty("codec").GetString());
            Assert.True(l.GetProperty("stored_bytes").GetInt64() > RecordHeader.Size);
        }

        (exit, stdout, stderr) = await CliProcessTests.Run("search", "web1.example.org#*", "--json", "--contents", "--server", Url(3));
        Assert.True(exit == 0, stderr);
        lines = QueryFleet.JsonLines(stdout);
        Assert.Equal(["web1.example.org#/etc/hosts", "web1.example.org#/etc/motd", "web1.example.org#/var/lib/blob.db"], lines.Select(l => l.GetProperty("key").GetString()));
        Assert.Equal(Encoding.UTF8.GetString(HostsA), lines[0].GetProperty("contents").GetString());
        Assert.False(lines[0].TryGetProperty("contents_base64", out _));
        Assert.Equal(Encoding.UTF8.GetString(MotdOf(Hosts[0])), lines[1].GetProperty("contents").GetString());
        Assert.Equal(QueryFleet.Md5Hex(Binary), lines[2].GetProperty("md5").GetString());
        Assert.False(lines[2].TryGetProperty("contents", out _));
        Assert.Equal(Binary, lines[2].GetProperty("contents_base64").GetBytesFromBase64());
    }

    [Fact]
    public async Task Cli_query_list_files_json_counts_hosts_per_object()
    {
        await ImportAsync(4);
        var (exit, stdout, stderr) = await CliProcessTests.Run("list-files", "--json", "--server", Url(4));
        Assert.True(exit == 0, stderr);
        var lines = QueryFleet.JsonLines(stdout);
        Assert.Equal(["/etc/hosts", "/etc/motd", "/var/lib/blob.db"], lines.Select(l => l.GetProperty("object").GetString()));
        Assert.Equal([4, 4, 1], lines.Select(l => l.GetProperty("hosts").GetInt32()));
        Assert.All(lines, l => Assert.Equal(["object", "hosts"], l.EnumerateObject().Select(p => p.Name)));

        (exit, stdout, _) = await CliProcessTests.Run("list-files", "--server", Url(4));
        Assert.Equal(0, exit);
        Assert.Equal("      4 /etc/hosts\n      4 /etc/motd\n      1 /var/lib/blob.db\n", stdout);

        (exit, stdout, _) = await CliProcessTests.Run("list-files", "no-such-object", "--server", Url(4));
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
    }

    /// <summary>What GNU diff prints for the two contents with these labels.</summary>
    private async Task<string> GnuDiff(byte[] left, byte[] right, string leftLabel, string rightLabel, Encoding? encoding = null)
    {
        var l = Path.Combine(_work, "left");
        var r = Path.Combine(_work, "right");
        await File.WriteAllBytesAsync(l, left);
        await File.WriteAllBytesAsync(r, right);
        var start = new ProcessStartInfo("diff") { RedirectStandardOutput = true, UseShellExecute = false, StandardOutputEncoding = encoding };
        foreach (var a in new[] { "-u", "--label", leftLabel, "--label", rightLabel, l, r })
        {
            start.ArgumentList.Add(a);
        }
        using var p = Process.Start(start)!;
        var text = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Equal(1, p.ExitCode);
        return text;
    }

    [Fact]
    public async Task Cli_query_compare_says_identical_or_prints_a_unified_diff()
    {
        await ImportAsync(5);
        var reference = Key(Hosts[0], "/etc/hosts");
        var (exit, stdout, stderr) = await CliProcessTests.Run("compare", reference, "/etc/hosts", "--server", Url(5));
        Assert.True(exit == 0, stderr);
        Assert.Contains($"contents of {reference} and {Key(Hosts[1], "/etc/hosts")} are identical\n", stdout, StringComparison.Ordinal);
        foreach (var other in new[] { Hosts[2], Hosts[3] })
        {
            var diff = await GnuDiff(HostsA, HostsB, reference, Key(other, "/etc/hosts"));
            Assert.StartsWith($"--- {reference}\n+++ {Key(other, "/etc/hosts")}\n", diff, StringComparison.Ordinal);
            Assert.Contains(diff, stdout, StringComparison.Ordinal);
        }
        // The reference is not compared with itself: one line of "identical", two diffs of 6 lines.
        Assert.Equal(1 + (2 * 6), stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        (exit, stdout, stderr) = await CliProcessTests.Run("compare", reference, "/etc/hosts", "--md5sum", "--server", Url(5));
        Assert.True(exit == 0, stderr);
        Assert.Contains($"md5sum of {reference} and {Key(Hosts[1], "/etc/hosts")} are identical\n", stdout, StringComparison.Ordinal);
        Assert.Contains($"-{QueryFleet.Md5Hex(HostsA)}\n+{QueryFleet.Md5Hex(HostsB)}\n", stdout, StringComparison.Ordinal);

        (exit, _, stderr) = await CliProcessTests.Run("compare", "nowhere.example.org#/etc/hosts", "/etc/hosts", "--server", Url(5));
        Assert.Equal(2, exit);
        Assert.Contains("nowhere.example.org#/etc/hosts", stderr, StringComparison.Ordinal);
    }

    /// <summary>Like <see cref="CliProcessTests.Run"/>, with stdout as the exact bytes written.</summary>
    private static Task<(int Exit, byte[] Stdout, string Stderr)> RunBytes(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        return ChildProcess.RunAsync(start, string.Join(' ', args));
    }

    [Fact]
    public async Task Cli_query_compare_prints_the_exact_bytes_of_a_diff_of_latin1_files()
    {
        byte[] left = [.. "name = caf"u8, 0xE9, .. "\nx = 1\n"u8];
        byte[] right = [.. "name = caf"u8, 0xE9, .. "\nx = 2\n"u8];
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            await QueryFleet.PutAsync(mux.GetDatabase(10), "l1.example.org", "/etc/latin1.conf", left);
            await QueryFleet.PutAsync(mux.GetDatabase(10), "l2.example.org", "/etc/latin1.conf", right);
        }
        var (exit, stdout, stderr) = await RunBytes("compare", "l1.example.org#/etc/latin1.conf", "latin1.conf", "--server", Url(10));
        Assert.True(exit == 0, stderr);
        var expected = Encoding.Latin1.GetBytes(await GnuDiff(left, right, "l1.example.org#/etc/latin1.conf", "l2.example.org#/etc/latin1.conf", Encoding.Latin1));
        Assert.Equal(expected, stdout);
    }

    [Fact]
    public async Task Cli_query_compare_all_groups_by_md5_majority_first()
    {
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            await QueryFleet.PutGroupFleetAsync(mux.GetDatabase(6), "");
        }
        var (exit, stdout, stderr) = await CliProcessTests.Run("compare-all", "/etc/group.conf", "--json", "--server", Url(6));
        Assert.True(exit == 0, stderr);
        var lines = QueryFleet.JsonLines(stdout);
        Assert.Equal(3, lines.Count);
        Assert.All(lines, l => Assert.Superset(new HashSet<string> { "md5", "count", "majority", "hosts", "diff" }, l.EnumerateObject().Select(p => p.Name).ToHashSet()));
        Assert.Equal([6, 3, 1], lines.Select(l => l.GetProperty("count").GetInt32()));
        Assert.Equal([true, false, false], lines.Select(l => l.GetProperty("majority").GetBoolean()));
        byte[][] contents = [QueryFleet.GroupA, QueryFleet.GroupB, QueryFleet.GroupC];
        int[][] members = [[0, 1, 2, 3, 4, 5], [6, 7, 8], [9]];
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(QueryFleet.Md5Hex(contents[i]), lines[i].GetProperty("md5").GetString());
            Assert.Equal(members[i].Select(h => QueryFleet.GroupHost("", h)), lines[i].GetProperty("hosts").EnumerateArray().Select(h => h.GetString()));
        }
        Assert.Equal(JsonValueKind.Null, lines[0].GetProperty("diff").ValueKind);
        var majoritySample = lines[0].GetProperty("sample").GetString()!;
        for (var i = 1; i < 3; i++)
        {
            var sample = lines[i].GetProperty("sample").GetString()!;
            Assert.Equal(await GnuDiff(QueryFleet.GroupA, contents[i], majoritySample, sample), lines[i].GetProperty("diff").GetString());
        }

        (exit, stdout, stderr) = await CliProcessTests.Run("compare-all", "/etc/group.conf", "--hostlist", "--server", Url(6));
        Assert.True(exit == 0, stderr);
        Assert.StartsWith($"majority: 6 keys with md5 {QueryFleet.Md5Hex(QueryFleet.GroupA)}, e.g. ", stdout, StringComparison.Ordinal);
        Assert.Contains($"group 2 of 3: 3 keys with md5 {QueryFleet.Md5Hex(QueryFleet.GroupB)}", stdout, StringComparison.Ordinal);
        Assert.Contains($"group 3 of 3: 1 key with md5 {QueryFleet.Md5Hex(QueryFleet.GroupC)}", stdout, StringComparison.Ordinal);
        Assert.All(Enumerable.Range(0, 10), h => Assert.Contains($"\n  {QueryFleet.GroupHost("", h)}#/etc/group.conf\n", stdout, StringComparison.Ordinal));

        (exit, stdout, _) = await CliProcessTests.Run("compare-all", "no-such-object", "--server", Url(6));
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task Cli_query_compare_all_exits_2_when_a_group_changed_between_the_phases()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        await QueryFleet.PutGroupFleetAsync(mux.GetDatabase(7), "");
        await using var proxy = new InterceptingProxy(redis.Address, "\r\nMGET\r\n",
            () => QueryFleet.PutAsync(mux.GetDatabase(7), QueryFleet.GroupHost("", 9), "/etc/group.conf", "changed\n"u8.ToArray()));
        var (exit, stdout, stderr) = await CliProcessTests.Run("compare-all", "/etc/group.conf", "--server", $"redis://{proxy.Address}/7");
        Assert.True(proxy.Fired);
        Assert.Equal(2, exit);
        Assert.Contains($"the 1 object(s) with md5 {QueryFleet.Md5Hex(QueryFleet.GroupC)}", stderr, StringComparison.Ordinal);
        Assert.Contains("changed or expired while being read", stderr, StringComparison.Ordinal);
        Assert.Contains("group 2 of 3: 3 keys", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_query_cost_prints_a_table_and_publishes_one_message_on_sysops_api()
    {
        await ImportAsync(8);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var messages = new System.Collections.Concurrent.BlockingCollection<string>();
        await mux.GetSubscriber().SubscribeAsync(RedisChannel.Literal("sysops-api"), (_, m) => messages.Add(m!));

        var (exit, stdout, stderr) = await CliProcessTests.Run("search", "/etc/hosts", "--md5sum", "--cost", "--server", Url(8));
        Assert.True(exit == 0, stderr);
        Assert.Equal(4, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var table = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^cost: server\s+keys\s+MB fetched\s+MB decoded\s+seconds\s+MB/s$", table[0]);
        Assert.Matches($@"^cost: {System.Text.RegularExpressions.Regex.Escape(Sysops(8).ToString())}\s+4\s+0\.000\s+0\.000\s", table[1]);
        Assert.StartsWith("cost: total", table[2], StringComparison.Ordinal);
        Assert.Equal(3, table.Length);

        Assert.True(messages.TryTake(out var message, TimeSpan.FromSeconds(10)), "no message on sysops-api");
        var json = JsonDocument.Parse(message).RootElement;
        Assert.Equal("sysops-fast", json.GetProperty("tool").GetString());
        Assert.Equal("search", json.GetProperty("command").GetString());
        var server = Assert.Single(json.GetProperty("servers").EnumerateArray());
        Assert.Equal(Sysops(8).ToString(), server.GetProperty("server").GetString());
        Assert.Equal(4, server.GetProperty("keys").GetInt64());
        Assert.Equal(4 * RecordHeader.Size, server.GetProperty("bytes_fetched").GetInt64());
        Assert.Equal(4, json.GetProperty("total").GetProperty("keys").GetInt64());
        Assert.Equal(4 * RecordHeader.Size, json.GetProperty("total").GetProperty("bytes_fetched").GetInt64());
        // One message per query.
        Assert.False(messages.TryTake(out _, TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task Cli_query_info_json_has_the_documented_fields()
    {
        await ImportAsync(9);
        long keys;
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { redis.Address }, AllowAdmin = true }))
        {
            keys = await mux.GetServers()[0].DatabaseSizeAsync(9);
        }
        var (exit, stdout, stderr) = await CliProcessTests.Run("info", "--json", "--server", Url(9));
        Assert.True(exit == 0, stderr);
        var line = Assert.Single(QueryFleet.JsonLines(stdout));
        Assert.Equal(["server", "redis_version", "used_memory", "keys", "connected_clients", "uptime_seconds"], line.EnumerateObject().Select(p => p.Name));
        Assert.Equal(Sysops(9).ToString(), line.GetProperty("server").GetString());
        Assert.Matches(@"^\d+\.\d+\.\d+", line.GetProperty("redis_version").GetString());
        Assert.True(line.GetProperty("used_memory").GetInt64() > 0);
        Assert.Equal(keys, line.GetProperty("keys").GetInt64());
        Assert.True(line.GetProperty("connected_clients").GetInt64() >= 1);
        Assert.True(line.GetProperty("uptime_seconds").GetInt64() >= 0);

        (exit, stdout, _) = await CliProcessTests.Run("info", "--server", Url(9));
        Assert.Equal(0, exit);
        Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(Sysops(9).ToString())} redis_version=\S+ used_memory=\d+ keys={keys} connected_clients=\d+ uptime_seconds=\d+\n$", stdout);

        var dead = $"127.0.0.1:{RedisServerFixture.FreePort()}";
        (exit, _, stderr) = await CliProcessTests.Run("info", "--json", "--server", dead);
        Assert.Equal(2, exit);
        Assert.Contains(dead, stderr, StringComparison.Ordinal);
    }

    /// <summary>An object over the size cap was stored without contents: never printed or diffed as empty.</summary>
    [Fact]
    public async Task Cli_query_objects_stored_without_contents_are_said_not_diffed_as_empty()
    {
        var big = QueryFleet.RandomText(4096, 3);
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            var db = mux.GetDatabase(13);
            await QueryFleet.PutAsync(db, "small.example.org", "/var/log/app", "short\n"u8.ToArray());
            await db.StringSetAsync("huge.example.org#/var/log/app", RecordEncoder.Encode(big, FileStat.None, 1, PayloadCodec.Lz4, sizeCap: 1024));
            await Task.WhenAll(KeyCatalog.Add(db, "huge.example.org", "/var/log/app", double.PositiveInfinity));
        }
        var (exit, stdout, stderr) = await CliProcessTests.Run("search", "/var/log/app", "--contents", "-H", "--server", Url(13));
        Assert.Equal(0, exit);
        Assert.Equal("small.example.org#/var/log/app".PadRight(100) + "short\n", stdout);
        Assert.Contains("1 object(s) were over the size cap when pushed; their contents were not stored: huge.example.org#/var/log/app", stderr, StringComparison.Ordinal);

        (exit, stdout, stderr) = await CliProcessTests.Run("compare", "small.example.org#/var/log/app", "/var/log/app", "--server", Url(13));
        Assert.True(exit == 0, stderr);
        Assert.Equal("small.example.org#/var/log/app and huge.example.org#/var/log/app differ; the contents of huge.example.org#/var/log/app were over the size cap when pushed and were not stored\n", stdout);
    }

    /// <summary>Many keys with the same contents: one diff, relabelled for each key (checked against GNU diff per key).</summary>
    [Fact]
    public async Task Cli_query_compare_labels_each_key_of_a_shared_variant()
    {
        byte[] reference = "a = 1\nb = 2\n"u8.ToArray();
        byte[] variant = "a = 1\nb = 3\n"u8.ToArray();
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            var db = mux.GetDatabase(14);
            await QueryFleet.PutAsync(db, "ref.example.org", "/etc/x.conf", reference);
            foreach (var h in new[] { "v1", "v2", "v3" })
            {
                await QueryFleet.PutAsync(db, h + ".example.org", "/etc/x.conf", variant);
            }
        }
        var (exit, stdout, stderr) = await CliProcessTests.Run("compare", "ref.example.org#/etc/x.conf", "x.conf", "--server", Url(14));
        Assert.True(exit == 0, stderr);
        var expected = new StringBuilder();
        foreach (var h in new[] { "v1", "v2", "v3" })
        {
            expected.Append(await GnuDiff(reference, variant, "ref.example.org#/etc/x.conf", h + ".example.org#/etc/x.conf"));
        }
        Assert.Equal(expected.ToString(), stdout);
    }
}
