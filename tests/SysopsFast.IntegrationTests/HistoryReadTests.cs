using System.Text;
using StackExchange.Redis;
using SysopsFast.Format;
using SysopsFast.Query;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>Objects with known histories, written as push writes them (record, catalog entry, history list).</summary>
internal static class HistoryFleet
{
    public static readonly FileStat Stat = new(0x8000 | 420, 0, 0, 0, QueryFleet.Mtime);

    /// <summary>
    /// <paramref name="versions"/>, oldest first: the last is the current record, each older one an
    /// entry of the history list (element 0 the one before the current), relative where
    /// <see cref="VersionEntry.Build"/> makes it so, self-contained where <paramref name="selfContained"/> says.
    /// </summary>
    public static async Task PutAsync(IDatabase db, string key, IReadOnlyList<(byte[] Content, long InsertedMs)> versions, PayloadCodec codec = PayloadCodec.Lz4, Func<int, bool>? selfContained = null)
    {
        var records = versions.Select(v => RecordEncoder.Encode(v.Content, Stat with { Size = v.Content.Length }, v.InsertedMs, codec)).ToArray();
        var entries = new List<RedisValue>();
        for (var i = versions.Count - 2; i >= 0; i--)
        {
            Assert.True(RecordHeader.TryRead(records[i], out var header, out _));
            var relative = !(selfContained?.Invoke(i) ?? false);
            entries.Add(VersionEntry.Build(records[i], header, versions[i].Content, versions[i + 1].Content, newerHasContents: relative));
        }
        await db.StringSetAsync(key, records[^1]);
        var (host, objectName) = ObjectKey.Split(key);
        await Task.WhenAll(KeyCatalog.Add(db, host, objectName, double.PositiveInfinity));
        await db.KeyDeleteAsync(HistoryKey.Of(key));
        if (entries.Count > 0)
        {
            await db.ListRightPushAsync(HistoryKey.Of(key), [.. entries]);
        }
    }

    public static readonly long T0 = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>Three versions an hour apart: the newest adds a line; the one before it changed one line and added one.</summary>
    public static readonly (byte[] Content, long InsertedMs)[] Three =
    [
        ("a\nb\nc\n"u8.ToArray(), T0),
        ("a\nB\nc\nd\n"u8.ToArray(), T0 + 3_600_000),
        ("a\nB\nc\nd\ne\n"u8.ToArray(), T0 + 7_200_000),
    ];
}

/// <summary>history and compare --previous on a real redis-server, over histories written directly.</summary>
public sealed class HistoryReadTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const int Db = 5;

    private string Url => $"redis://{redis.Address}/{Db}";

    private async Task<IDatabase> DbAsync(ConnectionMultiplexer mux) => mux.GetDatabase(Db);

    [Fact]
    public async Task History_lists_each_version_newest_first_with_the_lines_the_next_newer_one_changed()
    {
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            await HistoryFleet.PutAsync(await DbAsync(mux), "h1.example.org#/etc/three", HistoryFleet.Three);
            await HistoryFleet.PutAsync(await DbAsync(mux), "h2.example.org#/etc/three", [HistoryFleet.Three[0]]);
        }
        await using var query = new FleetQuery(Url);
        var seen = new List<ObjectHistory>();
        var result = await query.History.ReadAsync("/etc/three", seen.Add);
        Assert.Equal(2, result.Objects);
        Assert.Equal(["h1.example.org#/etc/three", "h2.example.org#/etc/three"], seen.Select(h => h.Key));
        var versions = seen[0].Versions;
        Assert.Equal([0, 1, 2], versions.Select(v => v.Index));
        Assert.Equal([HistoryFleet.T0 + 7_200_000, HistoryFleet.T0 + 3_600_000, HistoryFleet.T0], versions.Select(v => v.Inserted.ToUnixTimeMilliseconds()));
        Assert.Equal(HistoryFleet.Three.Reverse().Select(v => QueryFleet.Md5Hex(v.Content)), versions.Select(v => v.Md5Hex));
        Assert.Equal([10L, 8L, 6L], versions.Select(v => v.Header.RawLength));
        Assert.Equal([null, 1, 2], versions.Select(v => v.LinesAdded));
        Assert.Equal([null, 0, 1], versions.Select(v => v.LinesRemoved));
        Assert.All(versions, v => Assert.Null(v.Error));
        Assert.Single(seen[1].Versions);

        var (exit, stdout, stderr) = await CliProcessTests.Run("history", "h1.example.org#/etc/three", "--server", Url);
        Assert.True(exit == 0, stderr);
        Assert.Equal(
            "h1.example.org#/etc/three\n" +
            $"    0  2026-12-01T12:00:00.000Z  {versions[0].Md5Hex}          10  current\n" +
            $"    1  2026-12-01T11:00:00.000Z  {versions[1].Md5Hex}           8  +1 -0\n" +
            $"    2  2026-12-01T10:00:00.000Z  {versions[2].Md5Hex}           6  +2 -1\n",
            stdout);

        (exit, stdout, stderr) = await CliProcessTests.Run("history", "h1.example.org#/etc/three", "--json", "--server", Url);
        Assert.True(exit == 0, stderr);
        var lines = QueryFleet.JsonLines(stdout);
        Assert.Equal(3, lines.Count);
        Assert.Equal("2026-12-01T11:00:00.000Z", lines[1].GetProperty("inserted").GetString());
        Assert.Equal(1, lines[1].GetProperty("added").GetInt32());
        Assert.Equal(0, lines[1].GetProperty("removed").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, lines[0].GetProperty("added").ValueKind);
        Assert.Equal(8, lines[1].GetProperty("size").GetInt64());
    }

    [Fact]
    public async Task A_damaged_entry_spoils_the_versions_relative_to_it_and_no_self_contained_one()
    {
        const string key = "d1.example.org#/etc/damaged";
        (byte[] Content, long InsertedMs)[] four = [.. HistoryFleet.Three, ("a\nB\nc\nd\ne\nf\n"u8.ToArray(), HistoryFleet.T0 + 10_800_000)];
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            var db = await DbAsync(mux);
            // Version 3 (the oldest) self-contained, versions 1 and 2 relative.
            await HistoryFleet.PutAsync(db, key, four, selfContained: i => i == 0);
            var first = (byte[])(await db.ListGetByIndexAsync(HistoryKey.Of(key), 0))!;
            Assert.True(RecordHeader.TryRead(first, out var header, out _, versionEntry: true));
            Assert.True((header.Flags & RecordFlags.Relative) != 0, "element 0 should be relative");
            first[^1] ^= 0xff;
            await db.ListSetByIndexAsync(HistoryKey.Of(key), 0, first);
        }
        await using var query = new FleetQuery(Url);
        var seen = new List<ObjectHistory>();
        var result = await query.History.ReadAsync(key, seen.Add);
        var versions = Assert.Single(seen).Versions;
        Assert.Null(versions[0].Error);
        Assert.Contains("checksum", versions[1].Error, StringComparison.Ordinal);
        Assert.Contains("relative to version 1", versions[2].Error, StringComparison.Ordinal);
        Assert.Null(versions[3].Error);
        Assert.Equal(QueryFleet.Md5Hex(four[0].Content), versions[3].Md5Hex);
        Assert.Equal(2, result.Summaries.Sum(s => s.Corrupt.Count));

        var (exit, stdout, stderr) = await CliProcessTests.Run("history", key, "--server", Url);
        Assert.Equal(2, exit);
        Assert.Contains("corrupt: payload checksum mismatch", stdout, StringComparison.Ordinal);
        Assert.Contains($"'{key} (version 1)'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compare_previous_prints_the_unified_diff_of_the_previous_version_against_the_current()
    {
        const string key = "p1.example.org#/etc/three";
        const string alone = "p2.example.org#/etc/three";
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            await HistoryFleet.PutAsync(await DbAsync(mux), key, HistoryFleet.Three);
            await HistoryFleet.PutAsync(await DbAsync(mux), alone, [HistoryFleet.Three[0]]);
        }
        var (exit, stdout, stderr) = await CliProcessTests.Run("compare", key, "--previous", "--server", Url);
        Assert.True(exit == 0, stderr);
        Assert.Equal($"--- {key}@1\n+++ {key}\n@@ -2,3 +2,4 @@\n B\n c\n d\n+e\n", stdout);

        (exit, stdout, stderr) = await CliProcessTests.Run("compare", alone, "--previous", "--server", Url);
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.Contains($"no previous version of '{alone}' is kept", stderr, StringComparison.Ordinal);

        (exit, _, stderr) = await CliProcessTests.Run("compare", key, "other", "--previous", "--server", Url);
        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Versions_written_against_a_base_are_rebuilt_with_the_servers_bases_loaded_when_needed()
    {
        const int hosts = 12;
        var root = Path.Combine(Path.GetTempPath(), "history-bases-" + Guid.NewGuid().ToString("n"));
        var shared = string.Concat(Enumerable.Range(0, 400).Select(i => $"shared.setting_{i} = {i * 7}\n"));
        byte[] Conf(int host) => Encoding.UTF8.GetBytes(shared + $"host = b{host:00}\n");
        try
        {
            QueryFleet.WriteTree(root, Enumerable.Range(0, hosts).Select(i => ($"b{i:00}.example.org", "/etc/based.conf", Conf(i))));
            await Fleet.FleetImporter.ImportAsync(root, ServerAddress.Parse($"redis://{redis.Address}/9"), PayloadCodec.LineDelta, null, CancellationToken.None);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
        const string key = "b00.example.org#/etc/based.conf";
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            // An older version: another host's record as stored (codec 4, against the same base), self-contained.
            var db = mux.GetDatabase(9);
            var older = (byte[])(await db.StringGetAsync("b01.example.org#/etc/based.conf"))!;
            Assert.True(RecordHeader.TryRead(older, out var header, out _));
            Assert.Equal(PayloadCodec.LineDelta, header.Codec);
            await db.KeyDeleteAsync(HistoryKey.Of(key));
            await db.ListRightPushAsync(HistoryKey.Of(key), VersionEntry.Build(older, header, Conf(1), Conf(0), newerHasContents: false));
        }
        await using var query = new FleetQuery($"redis://{redis.Address}/9");
        var seen = new List<ObjectHistory>();
        await query.History.ReadAsync(key, seen.Add);
        var versions = Assert.Single(seen).Versions;
        Assert.Equal(2, versions.Count);
        Assert.All(versions, v => Assert.Null(v.Error));
        Assert.Equal([QueryFleet.Md5Hex(Conf(0)), QueryFleet.Md5Hex(Conf(1))], versions.Select(v => v.Md5Hex));
        Assert.Equal((1, 1), (versions[1].LinesAdded, versions[1].LinesRemoved));
    }

    [Fact]
    public async Task List_ranges_are_read_whole_and_a_missing_key_or_another_type_is_empty()
    {
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            var db = await DbAsync(mux);
            await db.KeyDeleteAsync(["lr:list", "lr:string", "lr:missing"]);
            await db.ListRightPushAsync("lr:list", ["one", "two", RedisValue.EmptyString, new byte[] { 0, 255, 13, 10 }]);
            await db.StringSetAsync("lr:string", "not a list");
        }
        await using var connections = new RedisConnections();
        var server = await connections.QueryServerAsync(ServerAddress.Parse(Url));
        var lists = await server.ListRangesAsync(["lr:list"u8.ToArray(), "lr:string"u8.ToArray(), "lr:missing"u8.ToArray()]);
        Assert.Equal(3, lists.Length);
        Assert.Equal([[.. "one"u8], [.. "two"u8], [], [0, 255, 13, 10]], lists[0]);
        Assert.Empty(lists[1]);
        Assert.Empty(lists[2]);
        Assert.Empty(await server.ListRangesAsync([]));
    }

    [Fact]
    public async Task History_of_a_pattern_that_matches_nothing_is_one_line_and_exit_2()
    {
        var (exit, stdout, stderr) = await CliProcessTests.Run("history", "no-such-object-anywhere", "--server", Url);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
