using System.Text;
using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Query;
using SysopsFast.Redis;
using SysopsFast.Topology;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// One core of replicas on real redis-servers, each holding the same synthetic fleet (written by
/// `fleet generate`'s library call, catalog included), and the topology file naming them; other
/// cores may be added to the file. Each test gets its own servers: the tests damage them.
/// </summary>
internal sealed class ReplicaCore : IAsyncDisposable
{
    public const int Hosts = 30;

    private ReplicaCore(RedisProcess[] servers, string topologyFile)
    {
        Servers = servers;
        TopologyFile = topologyFile;
    }

    public RedisProcess[] Servers { get; }

    public string TopologyFile { get; }

    /// <summary>Keys of the fleet: every host holds every object.</summary>
    public static int Keys => Hosts * SyntheticFleet.ObjectNames.Length;

    /// <param name="extraCores">TOML appended to the topology (other cores).</param>
    public static async Task<ReplicaCore> StartAsync(int replicas = 2, string extraCores = "")
    {
        var fleet = new SyntheticFleet(Hosts, 77);
        var servers = await Task.WhenAll(Enumerable.Range(0, replicas).Select(_ => RedisProcess.StartAsync()));
        await Task.WhenAll(servers.Select(s => FleetGenerator.GenerateAsync(fleet, ServerAddress.Parse(s.Address), PayloadCodec.Lz4, null, plain: false, CancellationToken.None)));
        var toml = $"local = \"eat1/core0\"\n\n[sites.eat1.cores.core0]\nservers = [{string.Join(", ", servers.Select(s => $"\"redis://{s.Address}\""))}]\n{extraCores}";
        var file = Path.Combine(Path.GetTempPath(), $"sysops-fast-verify-{Guid.NewGuid():N}.toml");
        await File.WriteAllTextAsync(file, toml);
        return new ReplicaCore(servers, file);
    }

    public static string Key(int host, string objectName) => ObjectKey.Make(SyntheticFleet.HostName(host), objectName);

    public async Task<IDatabase> DatabaseAsync(int replica, List<IAsyncDisposable> connections)
    {
        var mux = await ConnectionMultiplexer.ConnectAsync(Servers[replica].Address);
        connections.Add(mux);
        return mux.GetDatabase();
    }

    public Task<(int Exit, string Stdout, string Stderr)> VerifyAsync(params string[] args) =>
        CliProcessTests.Run(["verify", .. args, "--topology", TopologyFile]);

    public async ValueTask DisposeAsync()
    {
        foreach (var s in Servers)
        {
            await s.DisposeAsync();
        }
        File.Delete(TopologyFile);
    }
}

public sealed class VerifyTests
{
    private static string Summary(int keys, int cores, int problems) =>
        $"sysops-fast: verified {keys} key{(keys == 1 ? "" : "s")} on {cores} core{(cores == 1 ? "" : "s")}: {problems} problem{(problems == 1 ? "" : "s")}\n";

    [Fact]
    public async Task Replicas_that_agree_exit_0_with_no_rows()
    {
        await using var core = await ReplicaCore.StartAsync();
        var (exit, stdout, stderr) = await core.VerifyAsync();
        Assert.True(exit == 0, stderr);
        Assert.Equal("", stdout);
        Assert.Equal(Summary(ReplicaCore.Keys, 1, 0), stderr);

        // The library: one verified core, every key counted once, both servers compared.
        await using var query = new FleetQuery(TopologyFile.Load(core.TopologyFile), new QueryTargeting());
        var cores = await ToListAsync(query.Replicas.VerifyAsync("sysctl-a"));
        var verified = Assert.Single(cores);
        Assert.Null(verified.Skipped);
        Assert.Equal(ReplicaCore.Hosts, verified.Keys);
        Assert.Empty(verified.Rows);
        Assert.Equal(core.Servers.Select(s => s.Address), verified.Compared);
        // Headers only: 120 bytes a key from each server.
        Assert.Equal(2 * ReplicaCore.Hosts * RecordHeader.Size, verified.Summary.BytesFetched);
    }

    [Fact]
    public async Task A_key_deleted_on_one_server_or_absent_from_its_catalog_is_missing_there()
    {
        await using var core = await ReplicaCore.StartAsync();
        var connections = new List<IAsyncDisposable>();
        var b = await core.DatabaseAsync(1, connections);
        var a = await core.DatabaseAsync(0, connections);
        // On B the record is gone (its catalog still lists it); on A the record is there but its
        // catalog no longer lists the host for that object, so a query answered by A never sees it.
        await b.KeyDeleteAsync(ReplicaCore.Key(3, "/etc/hosts"));
        await a.SortedSetRemoveAsync(KeyCatalog.HostsOf("/etc/passwd"), SyntheticFleet.HostName(5));
        foreach (var c in connections)
        {
            await c.DisposeAsync();
        }

        var (exit, stdout, stderr) = await core.VerifyAsync();
        Assert.True(exit == 1, stderr);
        Assert.Equal(
            $"eat1/core0 {ReplicaCore.Key(3, "/etc/hosts")} missing on {core.Servers[1].Address}\n" +
            $"eat1/core0 {ReplicaCore.Key(5, "/etc/passwd")} missing on {core.Servers[0].Address}\n",
            stdout);
        Assert.Equal(Summary(ReplicaCore.Keys, 1, 2), stderr);

        // SCAN finds the record A's catalog forgot: only the deleted one is missing then.
        (exit, stdout, stderr) = await core.VerifyAsync("--scan");
        Assert.True(exit == 1, stderr);
        Assert.Equal($"eat1/core0 {ReplicaCore.Key(3, "/etc/hosts")} missing on {core.Servers[1].Address}\n", stdout);

        // A pattern that leaves both out: all agree.
        (exit, stdout, stderr) = await core.VerifyAsync("sysctl-a");
        Assert.True(exit == 0, stderr);
        Assert.Equal("", stdout);
        Assert.Equal(Summary(ReplicaCore.Hosts, 1, 0), stderr);
    }

    [Fact]
    public async Task A_record_overwritten_with_other_contents_is_different_and_json_rows_have_every_field()
    {
        await using var core = await ReplicaCore.StartAsync();
        var key = ReplicaCore.Key(7, "/etc/resolv.conf");
        var other = Encoding.UTF8.GetBytes("nameserver 10.9.9.9\n");
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(core.Servers[1].Address))
        {
            await mux.GetDatabase().StringSetAsync(key, RecordEncoder.Encode(other, new FileStat(0x8000 | 420, 0, 0, other.Length, QueryFleet.Mtime), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        }
        await using var query = new FleetQuery(core.Servers[0].Address); // A alone
        var md5A = (await query.ReadMetadataAsync(key)).Items.Single().Md5Hex;
        var md5B = QueryFleet.Md5Hex(other);
        Assert.NotEqual(md5B, md5A);

        var (exit, stdout, stderr) = await core.VerifyAsync("resolv.conf");
        Assert.True(exit == 1, stderr);
        Assert.Equal($"eat1/core0 {key} different: {core.Servers[0].Address}={md5A[..8]}, {core.Servers[1].Address}={md5B[..8]}\n", stdout);
        Assert.Equal(Summary(ReplicaCore.Hosts, 1, 1), stderr);

        (exit, stdout, stderr) = await core.VerifyAsync("resolv.conf", "--json");
        Assert.True(exit == 1, stderr);
        var row = Assert.Single(QueryFleet.JsonLines(stdout));
        Assert.Equal("eat1/core0", row.GetProperty("core").GetString());
        Assert.Equal(key, row.GetProperty("key").GetString());
        Assert.Equal("different", row.GetProperty("problem").GetString());
        var servers = row.GetProperty("servers").EnumerateArray().ToArray();
        Assert.Equal([core.Servers[0].Address, core.Servers[1].Address], servers.Select(s => s.GetProperty("server").GetString()));
        Assert.Equal([md5A, md5B], servers.Select(s => s.GetProperty("md5").GetString()));
        Assert.All(servers, s => Assert.Equal(System.Text.Json.JsonValueKind.Null, s.GetProperty("corrupt").ValueKind));
    }

    [Fact]
    public async Task A_corrupt_header_on_one_server_is_reported_as_different()
    {
        await using var core = await ReplicaCore.StartAsync();
        var damaged = ReplicaCore.Key(2, "cmd/uname-a");
        var truncated = ReplicaCore.Key(4, "cmd/uname-a");
        var payloadOnly = ReplicaCore.Key(6, "cmd/uname-a");
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(core.Servers[0].Address))
        {
            var db = mux.GetDatabase();
            await db.StringSetRangeAsync(damaged, 30, "XX");            // inside the md5: the header CRC no longer checks
            await db.StringSetAsync(truncated, "SFRC\u0001 not a whole header");
            // Past the header: only a read of the contents can see this (grep, dump report it).
            var length = await db.StringLengthAsync(payloadOnly);
            await db.StringSetRangeAsync(payloadOnly, length - 2, "XX");
        }
        var (exit, stdout, stderr) = await core.VerifyAsync("uname-a");
        Assert.True(exit == 1, stderr);
        var a = core.Servers[0].Address;
        var b = core.Servers[1].Address;
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 2, stdout);
        Assert.Matches($"^eat1/core0 {Escape(damaged)} different: {Escape(a)}=corrupt \\(header checksum mismatch\\), {Escape(b)}=[0-9a-f]{{8}}$", lines[0]);
        Assert.Matches($"^eat1/core0 {Escape(truncated)} different: {Escape(a)}=corrupt \\(truncated header \\(24 of 120 bytes\\)\\), {Escape(b)}=[0-9a-f]{{8}}$", lines[1]);
        // Not an error: the corrupt copies are the answer, so no "corrupt record skipped" line and exit 1.
        Assert.Equal(Summary(ReplicaCore.Hosts, 1, 2), stderr);

        (_, stdout, _) = await core.VerifyAsync("uname-a", "--json");
        var row = QueryFleet.JsonLines(stdout)[0];
        var copy = row.GetProperty("servers")[0];
        Assert.Equal(System.Text.Json.JsonValueKind.Null, copy.GetProperty("md5").ValueKind);
        Assert.Equal("header checksum mismatch", copy.GetProperty("corrupt").GetString());
    }

    private static string Escape(string text) => System.Text.RegularExpressions.Regex.Escape(text);

    /// <summary>
    /// Copies that agree whose histories do not: a different entry, a list one server lacks, a
    /// damaged entry each give a history row naming the first version where they differ (text and
    /// NDJSON); identical histories give none. The lists are read whole, and --cost counts them.
    /// </summary>
    [Fact]
    public async Task Histories_that_differ_are_reported_where_they_first_differ()
    {
        await using var core = await ReplicaCore.StartAsync();
        var stat = new FileStat(0x81A4, 0, 0, 4, 1700000000);
        byte[] Entry(string text, long time) => RecordEncoder.Encode(Encoding.ASCII.GetBytes(text), stat, time, PayloadCodec.Lz4);
        var (e1, e2, e3) = (Entry("one\n", 1_700_000_001_000), Entry("two\n", 1_700_000_002_000), Entry("six\n", 1_700_000_002_000));
        var damaged = (byte[])e1.Clone();
        damaged[30] ^= 0xFF;
        var same = ReplicaCore.Key(1, "/etc/passwd");
        var otherEntry = ReplicaCore.Key(2, "/etc/passwd");
        var oneSided = ReplicaCore.Key(3, "/etc/passwd");
        var corrupt = ReplicaCore.Key(4, "/etc/passwd");
        var connections = new List<IAsyncDisposable>();
        var a = await core.DatabaseAsync(0, connections);
        var b = await core.DatabaseAsync(1, connections);
        await a.ListRightPushAsync(HistoryKey.Of(same), [e1, e2]);
        await b.ListRightPushAsync(HistoryKey.Of(same), [e1, e2]);
        await a.ListRightPushAsync(HistoryKey.Of(otherEntry), [e1, e2]);
        await b.ListRightPushAsync(HistoryKey.Of(otherEntry), [e1, e3]);
        await a.ListRightPushAsync(HistoryKey.Of(oneSided), [e1]);
        await a.ListRightPushAsync(HistoryKey.Of(corrupt), [damaged]);
        await b.ListRightPushAsync(HistoryKey.Of(corrupt), [e1]);
        foreach (var c in connections)
        {
            await c.DisposeAsync();
        }

        var (exit, stdout, stderr) = await core.VerifyAsync("passwd", "--cost");
        Assert.True(exit == 1, stderr);
        var (sa, sb) = (core.Servers[0].Address, core.Servers[1].Address);
        static string Md5(string text) => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.ASCII.GetBytes(text)))[..8];
        Assert.Equal(new[]
        {
            $"eat1/core0 {otherEntry} history differs at version 2: {sa}={Md5("two\n")}@2023-11-14T22:13:22.000Z, {sb}={Md5("six\n")}@2023-11-14T22:13:22.000Z",
            $"eat1/core0 {oneSided} history differs at version 1: {sa}={Md5("one\n")}@2023-11-14T22:13:21.000Z, {sb}=none",
            $"eat1/core0 {corrupt} history differs at version 1: {sa}=corrupt (header checksum mismatch), {sb}={Md5("one\n")}@2023-11-14T22:13:21.000Z",
        }.Order(StringComparer.Ordinal), stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        Assert.Contains(Summary(ReplicaCore.Hosts, 1, 3).TrimEnd(), stderr);
        Assert.Contains("cost: ", stderr);

        // The lists are read whole: their bytes are counted beside the headers'.
        await using var query = new FleetQuery(TopologyFile.Load(core.TopologyFile), new QueryTargeting());
        var verified = Assert.Single(await ToListAsync(query.Replicas.VerifyAsync("passwd")));
        var listBytes = (3 * e1.Length + 2 * e2.Length + damaged.Length) + (3 * e1.Length + e2.Length + e3.Length);
        Assert.Equal(2 * ReplicaCore.Hosts * RecordHeader.Size + listBytes, verified.Summary.BytesFetched);

        (_, stdout, _) = await core.VerifyAsync("passwd", "--json");
        var row = QueryFleet.JsonLines(stdout).Single(r => r.GetProperty("key").GetString() == oneSided);
        Assert.Equal("history", row.GetProperty("problem").GetString());
        Assert.Equal(1, row.GetProperty("version").GetInt32());
        Assert.Equal("2023-11-14T22:13:21.000Z", row.GetProperty("servers")[0].GetProperty("inserted").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, row.GetProperty("servers")[1].GetProperty("md5").ValueKind);
    }

    [Fact]
    public async Task A_single_server_core_is_skipped_with_a_note_and_only_such_cores_is_an_error()
    {
        await using var solo = await RedisProcess.StartAsync();
        await using var core = await ReplicaCore.StartAsync(extraCores: $"\n[sites.eat1.cores.solo]\nservers = [\"redis://{solo.Address}\"]\n");
        var (exit, stdout, stderr) = await core.VerifyAsync("sysctl-a");
        Assert.True(exit == 0, stderr);
        Assert.Equal("", stdout);
        Assert.Equal("sysops-fast: note: core eat1/solo skipped: it has one server, nothing to compare\n" + Summary(ReplicaCore.Hosts, 1, 0), stderr);

        (exit, stdout, stderr) = await CliProcessTests.Run("verify", "sysctl-a", "--server", solo.Address);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Equal(
            $"sysops-fast: note: core {solo.Address} skipped: it has one server, nothing to compare\n" +
            $"sysops-fast: nothing to verify: no core in scope has two servers that answered to compare ({solo.Address}: it has one server, nothing to compare); verify compares the replicas a topology file lists for a core (--topology)\n",
            stderr);
    }

    [Fact]
    public async Task A_server_down_is_one_error_line_and_allow_partial_compares_the_others()
    {
        await using var core = await ReplicaCore.StartAsync(replicas: 3);
        core.Servers[2].Kill();
        var (exit, stdout, stderr) = await core.VerifyAsync();
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"sysops-fast: cannot verify replicas: a server could not be read (eat1/core0 ({core.Servers[2].Address}: Connection refused)); its copies cannot be compared: fix the server, or verify the others without it (--allow-partial)", line);

        (exit, stdout, stderr) = await core.VerifyAsync("--allow-partial");
        Assert.True(exit == 0, stderr);
        Assert.Equal("", stdout);
        Assert.Equal(
            $"sysops-fast: warning: PARTIAL ANSWER: core eat1/core0 compared without a server ({core.Servers[2].Address}: Connection refused)\n" +
            $"sysops-fast: 1 of 1 cores answered (eat1/core0: {core.Servers[0].Address}, {core.Servers[1].Address})\n" +
            Summary(ReplicaCore.Keys, 1, 0),
            stderr);
    }

    [Fact]
    public async Task A_server_that_fails_during_its_read_is_an_error_unless_allow_partial()
    {
        await using var core = await ReplicaCore.StartAsync(replicas: 3);
        // Server 2 accepts the connection and lists its keys, then refuses every header read.
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(core.Servers[2].Address + ",allowAdmin=true"))
        {
            await mux.GetDatabase().ExecuteAsync("ACL", "SETUSER", "default", "-eval", "-evalsha", "-getrange");
        }
        var (exit, stdout, stderr) = await core.VerifyAsync("passwd");
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(line.StartsWith($"sysops-fast: cannot verify replicas: a server could not be read (eat1/core0 (the Redis server {core.Servers[2].Address} refused GETRANGE", StringComparison.Ordinal), line);
        Assert.Contains("NOPERM", line, StringComparison.Ordinal);

        (exit, stdout, stderr) = await core.VerifyAsync("passwd", "--allow-partial");
        Assert.True(exit == 0, stderr);
        Assert.Equal("", stdout);
        Assert.True(stderr.Contains("sysops-fast: warning: PARTIAL ANSWER: core eat1/core0 compared without a server (", StringComparison.Ordinal) && stderr.Contains(core.Servers[2].Address, StringComparison.Ordinal), stderr);
        Assert.EndsWith($"sysops-fast: 1 of 1 cores answered (eat1/core0: {core.Servers[0].Address}, {core.Servers[1].Address})\n" + Summary(ReplicaCore.Hosts, 1, 0), stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hostile_key_name_is_escaped_on_a_terminal()
    {
        await using var core = await ReplicaCore.StartAsync();
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(core.Servers[0].Address))
        {
            await QueryFleet.PutAsync(mux.GetDatabase(), "ev\u001b[31m.example.org", "/etc/motd", "hello\n"u8.ToArray());
        }
        var terminal = await TerminalOutputTests.OnTerminal($"verify motd --topology {core.TopologyFile} 2>/dev/null");
        Assert.Equal($"eat1/core0 ev^[[31m.example.org#/etc/motd missing on {core.Servers[1].Address}\r\n", terminal);
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }
        return list;
    }
}

/// <summary>verify with a Redis Cluster core in the topology: the cluster is skipped with a note, the other cores are verified.</summary>
public sealed class VerifyClusterTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>
{
    [Fact]
    public async Task A_cluster_core_is_skipped_with_a_note()
    {
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(cluster.Addresses[0]))
        {
            await QueryFleet.PutAsync(mux.GetDatabase(), "vc00.example.org", "/etc/hosts", "127.0.0.1 localhost\n"u8.ToArray());
        }
        var seeds = string.Join(", ", cluster.Addresses.Select(a => $"\"redis://{a}\""));
        await using var core = await ReplicaCore.StartAsync(extraCores: $"\n[sites.lva1.cores.main]\ncluster = [{seeds}]\n");
        var (exit, stdout, stderr) = await core.VerifyAsync("/etc/hosts");
        Assert.True(exit == 0, stderr);
        Assert.Equal("", stdout);
        Assert.Equal(
            "sysops-fast: note: core lva1/main skipped: it is a Redis Cluster, whose primaries hold different keys (its own replication keeps their replicas)\n" +
            $"sysops-fast: verified {ReplicaCore.Hosts} keys on 1 core: 0 problems\n",
            stderr);
    }
}
