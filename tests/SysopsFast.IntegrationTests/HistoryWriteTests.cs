using System.Diagnostics;
using System.Text;
using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Push;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// History written by push and import (docs/FORMAT.md, "History"), against a real redis-server:
/// each version rebuilt from the current record and the list with its md5 checked.
/// </summary>
public sealed class HistoryWriteTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IDisposable
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private readonly string _dir = Directory.CreateTempSubdirectory("sysops-fast-history-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_changing_object_keeps_the_last_versions_each_rebuilt_exactly()
    {
        var (server, db) = await DatabaseAsync(1);
        var contents = Enumerable.Range(0, 5).Select(Text).ToList();
        foreach (var (text, i) in contents.Select((t, i) => (t, i)))
        {
            await PushAsync(server, "h1", [Object("cmd/conf", text, 1000 + i)], new HistoryRetention(3, TimeSpan.FromDays(14)));
        }
        var versions = await VersionsAsync(db, "h1#cmd/conf");
        Assert.Equal([contents[4], contents[3], contents[2]], versions.Select(v => Encoding.ASCII.GetString(v.Contents.Span)));
        Assert.Equal([Recent + 1004, Recent + 1003, Recent + 1002], versions.Select(v => v.Header.InsertedUnixMs));
        var history = HistoryKey.Of("h1#cmd/conf");
        var ttl = await db.KeyTimeToLiveAsync(history);
        Assert.InRange(ttl!.Value, Hour - TimeSpan.FromMinutes(1), Hour);
        // Versions of one object share most lines: every kept entry is relative, smaller than its record.
        var entries = await db.ListRangeAsync(history);
        Assert.All(entries, e => Assert.Equal(RecordFlags.Relative, (RecordFlags)BitConverter.ToUInt16(((byte[])e!).AsSpan(6)) & RecordFlags.Relative));
    }

    [Fact]
    public async Task An_unchanged_push_adds_no_version_and_refreshes_the_lists_expiry()
    {
        var (server, db) = await DatabaseAsync(2);
        await PushAsync(server, "h2", [Object("cmd/conf", Text(1), 1)]);
        await PushAsync(server, "h2", [Object("cmd/conf", Text(2), 2)]);
        var history = HistoryKey.Of("h2#cmd/conf");
        await db.KeyExpireAsync(history, TimeSpan.FromSeconds(30));
        var outcome = await PushAsync(server, "h2", [Object("cmd/conf", Text(2), 3)]);
        Assert.Equal((0, 1), (outcome.Written, outcome.Unchanged));
        Assert.Equal(1, await db.ListLengthAsync(history));
        Assert.True(await db.KeyTimeToLiveAsync(history) > TimeSpan.FromMinutes(59));
    }

    [Fact]
    public async Task A_stale_list_without_its_record_is_emptied_and_history_off_empties_one_too()
    {
        var (server, db) = await DatabaseAsync(3);
        var history = HistoryKey.Of("h3#cmd/conf");
        await db.ListLeftPushAsync(history, "left from a record that expired");
        await PushAsync(server, "h3", [Object("cmd/conf", Text(1), 1)]);
        Assert.False(await db.KeyExistsAsync(history));
        await PushAsync(server, "h3", [Object("cmd/conf", Text(2), 2)]);
        Assert.Equal(1, await db.ListLengthAsync(history));
        await PushAsync(server, "h3", [Object("cmd/conf", Text(3), 3)], new HistoryRetention(1, TimeSpan.FromDays(14)));
        Assert.False(await db.KeyExistsAsync(history));
        Assert.Single(await VersionsAsync(db, "h3#cmd/conf"));
    }

    [Fact]
    public async Task Versions_replaced_longer_ago_than_the_maximum_age_are_dropped()
    {
        var (server, db) = await DatabaseAsync(4);
        var now = DateTimeOffset.UtcNow;
        var times = new[] { now.AddDays(-30), now.AddDays(-20), now.AddDays(-1), now }.Select(t => t.ToUnixTimeMilliseconds()).ToArray();
        for (var i = 0; i < times.Length; i++)
        {
            await PushAsync(server, "h4", [Object("cmd/conf", Text(i), times[i])]);
        }
        // Version 0 (30 days old) was replaced 20 days ago: gone. Version 1 was current until a day ago: kept.
        var versions = await VersionsAsync(db, "h4#cmd/conf");
        Assert.Equal([times[3], times[2], times[1]], versions.Select(v => v.Header.InsertedUnixMs));
        Assert.All(versions, v => Assert.Null(v.Error));
    }

    /// <summary>Two writers on one key (push and import's writer, as under the shared pusher role), many rounds: every version either wrote is current or kept, once.</summary>
    [Fact]
    public async Task Two_writers_racing_on_a_key_lose_no_version_and_keep_none_twice()
    {
        var (server, db) = await DatabaseAsync(5);
        const int Rounds = 25;
        var retention = new HistoryRetention(HistoryRetention.MaxVersions, TimeSpan.FromDays(14));
        var written = new System.Collections.Concurrent.ConcurrentBag<string>();
        async Task Pusher(int who)
        {
            for (var r = 0; r < Rounds; r++)
            {
                var text = $"writer {who} round {r}\n" + Text(r);
                var outcome = await PushAsync(server, "race", [Object("cmd/conf", text, (r * 2) + who)], retention, expectSuccess: false);
                if (outcome.Written == 1)
                {
                    written.Add(text);
                }
            }
        }
        async Task Importer()
        {
            var writer = new HistoryWriter(db, retention);
            for (var r = 0; r < Rounds; r++)
            {
                var text = $"importer round {r}\n" + Text(r);
                var record = RecordEncoder.Encode(Encoding.ASCII.GetBytes(text), FileStat.None, Recent + 5000 + r, PayloadCodec.Zstd);
                if (await writer.WriteAsync("race#cmd/conf", record, Hour) is null)
                {
                    written.Add(text);
                }
            }
        }
        await Task.WhenAll(Pusher(0), Pusher(1), Importer());
        var versions = await VersionsAsync(db, "race#cmd/conf");
        Assert.All(versions, v => Assert.Null(v.Error));
        var kept = versions.Select(v => Encoding.ASCII.GetString(v.Contents.Span)).ToList();
        Assert.Equal(kept.Count, kept.Distinct().Count());
        Assert.Equal(written.Order(), kept.Order());
        Assert.True(written.Count > Rounds, $"only {written.Count} writes of {3 * Rounds} succeeded");
    }

    /// <summary>The pusher killed (SIGKILL) at random moments while it writes many changed objects: every key always rebuilds, old or new, with its history.</summary>
    [Fact]
    public async Task A_pusher_killed_mid_write_leaves_every_chain_whole()
    {
        var (_, db) = await DatabaseAsync(6);
        var outgoing = Directory.CreateDirectory(Path.Combine(_dir, "out")).FullName;
        var random = new Random(19);
        var killed = 0;
        for (var round = 0; round < 12; round++)
        {
            for (var f = 0; f < 150; f++)
            {
                File.WriteAllText(Path.Combine(outgoing, $"obj-{f}"), $"round {round}\n" + Text(f));
            }
            using var push = Process.Start(new ProcessStartInfo("dotnet")
            {
                ArgumentList = { Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll"), "push", "--config", "", "--dir", outgoing, "--hostname", "killed", "--ledger", Path.Combine(_dir, "ledger.json"), "--dictionary-cache", Path.Combine(_dir, "cache"), "--hardware-identification", "", "--history", "4", "--server", $"redis://{redis.Address}/6" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            await Task.Delay(random.Next(300, 1500));
            if (!push.HasExited)
            {
                push.Kill();
                killed++;
            }
            await push.WaitForExitAsync();
            for (var f = 0; f < 150; f++)
            {
                var key = $"killed#cmd/obj-{f}";
                if (await db.KeyExistsAsync(key))
                {
                    var versions = await VersionsAsync(db, key);
                    Assert.All(versions, v => Assert.True(v.Error is null, $"{key} version {v.Index}: {v.Error}"));
                    Assert.Equal(versions.Count, versions.Select(v => v.Header.Md5).Distinct().Count());
                }
            }
        }
        Assert.True(killed > 0, "no push was killed mid-way");
    }

    [Fact]
    public async Task Importing_a_changed_tree_again_adds_a_version_for_each_changed_object_only()
    {
        var (server, db) = await DatabaseAsync(7);
        var tree = Path.Combine(_dir, "tree");
        for (var h = 0; h < 10; h++)
        {
            Directory.CreateDirectory(Path.Combine(tree, $"imp{h}", "etc"));
            File.WriteAllText(Path.Combine(tree, $"imp{h}", "etc", "motd"), Text(h));
        }
        await FleetImporter.ImportAsync(tree, server, PayloadCodec.Lz4, Hour, CancellationToken.None);
        var first = new Dictionary<int, long>();
        for (var h = 0; h < 10; h++)
        {
            first[h] = (await VersionsAsync(db, $"imp{h}#/etc/motd"))[0].Header.InsertedUnixMs;
        }
        await Task.Delay(20); // the second import's clock reads later
        File.WriteAllText(Path.Combine(tree, "imp3", "etc", "motd"), Text(33));
        var again = await FleetImporter.ImportAsync(tree, server, PayloadCodec.Lz4, Hour, CancellationToken.None);
        Assert.Empty(again.Skipped);
        for (var h = 0; h < 10; h++)
        {
            var versions = await VersionsAsync(db, $"imp{h}#/etc/motd");
            Assert.Equal(h == 3 ? [Text(33), Text(3)] : [Text(h)], versions.Select(v => Encoding.ASCII.GetString(v.Contents.Span)));
            // An unchanged object keeps the time its contents were first stored (--as-of between the imports finds it).
            Assert.True(h == 3 ? versions[0].Header.InsertedUnixMs > first[h] : versions[0].Header.InsertedUnixMs == first[h], $"imp{h}");
        }
    }

    private static string Text(int n) => string.Concat(Enumerable.Range(0, 40).Select(i => $"setting.{i} = {(i == n % 40 ? n * 1000 : i)}\n"));

    /// <summary>Times in tests are offsets from a recent moment: retention drops versions replaced over 14 days ago.</summary>
    private static readonly long Recent = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();

    private static PushObject Object(string name, string text, long inserted) => new(name, Encoding.ASCII.GetBytes(text), FileStat.None, inserted < 1_000_000_000_000 ? Recent + inserted : inserted);

    private async Task<(ServerAddress Server, IDatabase Db)> DatabaseAsync(int database)
    {
        var server = ServerAddress.Parse($"redis://{redis.Address}/{database}");
        var connection = await ConnectionMultiplexer.ConnectAsync($"{redis.Address},allowAdmin=true");
        await connection.GetServers()[0].FlushDatabaseAsync(database);
        return (server, connection.GetDatabase(database));
    }

    internal static async Task<PushOutcome> PushAsync(ServerAddress server, string host, IReadOnlyList<PushObject> objects, HistoryRetention? retention = null, bool expectSuccess = true)
    {
        var outcome = Assert.Single(await PushAgent.PushAsync(host, objects, [server], Hour, TimeSpan.FromSeconds(20), CancellationToken.None, history: retention));
        Assert.True(!expectSuccess || outcome.Succeeded, outcome.ToString());
        return outcome;
    }

    /// <summary>Every version of <paramref name="key"/>, newest first, rebuilt with md5s checked.</summary>
    internal static async Task<List<StoredVersion>> VersionsAsync(IDatabase db, string key)
    {
        var current = (byte[]?)await db.StringGetAsync(key);
        Assert.NotNull(current);
        var entries = (await db.ListRangeAsync(HistoryKey.Of(key))).Select(e => (ReadOnlyMemory<byte>)(byte[])e!).ToList();
        using var decoder = new RecordDecoder();
        return [.. new VersionChain(decoder).Read(current, entries)];
    }
}

/// <summary>History on a 3-primary cluster: a record and its list share a slot, so one transaction writes both.</summary>
public sealed class HistoryClusterTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>
{
    [Fact]
    public async Task Slot_tags_put_each_list_in_its_records_slot_as_the_cluster_computes_it()
    {
        var random = new Random(19);
        for (var i = 0; i < 40; i++)
        {
            var key = $"host{random.Next()}.example.org#/etc/file{i}";
            var history = HistoryKey.Of(key);
            var slot = await cluster.ExecuteAsync(0, "CLUSTER", "KEYSLOT", key);
            Assert.Equal(slot.Trim(), (await cluster.ExecuteAsync(0, "CLUSTER", "KEYSLOT", history)).Trim());
            Assert.Equal(slot.Trim(), HistoryKey.SlotOf(Encoding.UTF8.GetBytes(key)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task A_changing_object_pushed_to_a_cluster_keeps_its_versions()
    {
        var server = ServerAddress.Parse(cluster.Addresses[1]);
        var texts = Enumerable.Range(0, 4).Select(i => $"version {i}\n" + string.Concat(Enumerable.Range(0, 30).Select(n => $"line {n}\n"))).ToList();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var host = $"c{Guid.NewGuid():N}"[..12];
        foreach (var (text, i) in texts.Select((t, i) => (t, i)))
        {
            await HistoryWriteTests.PushAsync(server, host, [new PushObject("cmd/conf", Encoding.ASCII.GetBytes(text), FileStat.None, now + i)], new HistoryRetention(3, TimeSpan.FromDays(14)));
        }
        await using var connection = await ConnectionMultiplexer.ConnectAsync(string.Join(',', cluster.Addresses));
        var versions = await HistoryWriteTests.VersionsAsync(connection.GetDatabase(), $"{host}#cmd/conf");
        Assert.Equal([texts[3], texts[2], texts[1]], versions.Select(v => Encoding.ASCII.GetString(v.Contents.Span)));
    }

    /// <summary>
    /// dump --all-versions from the cluster, the keys and their lists deleted, import of the tree
    /// back: every version of each object is there again (md5, time stored, stat), each list in its
    /// record's slot. (Files: a command output's zero stat is not carried by a file's.)
    /// </summary>
    [Fact]
    public async Task Dump_all_versions_and_import_give_back_a_clusters_histories()
    {
        var server = ServerAddress.Parse(cluster.Addresses[1]);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var host = $"d{Guid.NewGuid():N}"[..12];
        for (var i = 0; i < 3; i++)
        {
            var text = $"version {i}\n" + string.Concat(Enumerable.Range(0, 30).Select(n => $"line {n}\n"));
            await HistoryWriteTests.PushAsync(server, host,
                [new PushObject("/etc/conf", Encoding.ASCII.GetBytes(text), new FileStat(0x81A4, 0, 0, 10, 1700000100 + i), now + i), new PushObject("/etc/app", Encoding.ASCII.GetBytes(text + "x\n"), new FileStat(0x81A4, 0, 0, 10, 1700000000 + i), now + i)],
                HistoryRetention.Default);
        }
        async Task<List<string>> HistoriesAsync()
        {
            await using var query = new FleetQuery([server]);
            var shown = new List<string>();
            await query.History.ReadAsync($"{host}#*", h => shown.AddRange(h.Versions.Select(v => $"{h.Key} {v.Index} {v.Md5Hex} {v.Header.InsertedUnixMs} {v.Header.Stat.Mode & 0x1FF} {v.Header.Stat.MtimeUnixSeconds} {v.Error}")));
            return shown;
        }
        var before = await HistoriesAsync();
        Assert.Equal(6, before.Count);
        var tree = Directory.CreateTempSubdirectory("sysops-fast-cluster-versions-").FullName;
        try
        {
            var dump = await CliProcessTests.Run("dump", tree, "--all-versions", "--objects", $"{host}#*", "--server", cluster.Addresses[0]);
            Assert.True(dump.Exit == 0, dump.Stderr);
            await using (var connection = await ConnectionMultiplexer.ConnectAsync(string.Join(',', cluster.Addresses)))
            {
                foreach (var key in new[] { $"{host}#/etc/conf", $"{host}#/etc/app" })
                {
                    await connection.GetDatabase().KeyDeleteAsync([key, HistoryKey.Of(key)]);
                }
            }
            var import = await CliProcessTests.Run("import", tree, "--server", cluster.Addresses[2], "--codec", "lz4");
            Assert.True(import.Exit == 0, import.Stderr);
            Assert.Equal(before, await HistoriesAsync());
        }
        finally
        {
            Directory.Delete(tree, recursive: true);
        }
    }
}
