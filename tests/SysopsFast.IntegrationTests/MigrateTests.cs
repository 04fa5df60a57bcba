using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// <c>migrate</c> against a hand-made original sysops-api cache in a real redis-server: LISTs of five
/// bz2 elements (docs/FORMAT.md), with hostile keys mixed in.
/// </summary>
public sealed class MigrateTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const string NoStat = "No os.stat() is available.  hardware_identification is comprised of executed commands.";
    private const string OddHost = "odd host[1]*?é.example.org";
    private const double Inserted = 1369872000.123;

    private ServerAddress Server(int db) => ServerAddress.Parse($"redis://{redis.Address}/{db}");

    private static string Sysctl(int budget, string host) =>
        $"kernel.hostname = {host}\nnet.core.netdev_budget = {budget}\nnet.core.netdev_budget_usecs = 2000\nvm.swappiness = 60\n";

    private static string StatString(int mode, int uid, int gid, int size, long mtime) =>
        $"posix.stat_result(st_mode={mode}, st_ino=1234, st_dev=64768L, st_nlink=1, st_uid={uid}, st_gid={gid}, st_size={size}L, st_atime=1369872000, st_mtime={mtime}, st_ctime={mtime})";

    /// <summary>One key as the original wrote it: RPUSH of five bz2 strings, then EXPIRE.</summary>
    private static async Task PushOriginalAsync(IDatabase db, string key, string contents, string stat, TimeSpan? ttl = null, string? md5 = null, Func<byte[], byte[]>? compress = null, double inserted = Inserted)
    {
        var bytes = Encoding.UTF8.GetBytes(contents);
        var (chars, lines, words) = RecordEncoder.Count(bytes);
        var c = compress ?? (b => Bzip2.Compress(b));
        await db.ListRightPushAsync(key,
        [
            c(bytes),
            Bzip2.Compress(Encoding.ASCII.GetBytes(md5 ?? Convert.ToHexStringLower(MD5.HashData(bytes)))),
            Bzip2.Compress(Encoding.ASCII.GetBytes(stat)),
            Bzip2.Compress(Encoding.ASCII.GetBytes($"('Number of characters: {chars}', 'Number of lines: {lines}', 'Number of words: {words}')")),
            Bzip2.Compress(Encoding.ASCII.GetBytes(inserted.ToString("R", CultureInfo.InvariantCulture))),
        ]);
        if (ttl is { } t)
        {
            await db.KeyExpireAsync(key, t);
        }
    }

    /// <summary>The system's bzip2 program (or Python's bz2 module): proves the elements are standard bzip2.</summary>
    private static Func<byte[], byte[]>? SystemBzip2()
    {
        (string File, string[] Args)? tool = File.Exists("/usr/bin/bzip2") || File.Exists("/bin/bzip2") ? ("bzip2", ["-c", "-9"])
            : FindOnPath("python3") is not null ? ("python3", ["-c", "import bz2,sys; sys.stdout.buffer.write(bz2.compress(sys.stdin.buffer.read()))"])
            : null;
        if (tool is not { } t)
        {
            return null;
        }
        return input =>
        {
            var start = new ProcessStartInfo(t.File) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in t.Args)
            {
                start.ArgumentList.Add(a);
            }
            using var process = Process.Start(start)!;
            var output = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
            process.StandardInput.BaseStream.Write(input);
            process.StandardInput.Close();
            copy.GetAwaiter().GetResult();
            process.WaitForExit();
            Assert.Equal(0, process.ExitCode);
            return output.ToArray();
        };
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>12 hosts' sysctl-a (enough for a dictionary), a shared file, and the hostile keys.</summary>
    private static async Task<Dictionary<string, string>> BuildOriginalCacheAsync(IDatabase db)
    {
        var budgets = new[] { 300, 300, 600, 300, 450, 300, 300, 600, 300, 300, 300 };
        var good = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < budgets.Length; i++)
        {
            var host = $"app{i:D2}.example.org";
            good[$"{host}#cmd/sysctl-a"] = Sysctl(budgets[i], host);
            await PushOriginalAsync(db, $"{host}#cmd/sysctl-a", good[$"{host}#cmd/sysctl-a"], NoStat, TimeSpan.FromHours(1));
        }
        // The odd host's sysctl-a is compressed by the system's bzip2 when there is one.
        good[$"{OddHost}#cmd/sysctl-a"] = Sysctl(450, OddHost);
        await PushOriginalAsync(db, $"{OddHost}#cmd/sysctl-a", good[$"{OddHost}#cmd/sysctl-a"], NoStat, TimeSpan.FromHours(1), compress: SystemBzip2());
        good["app00.example.org#/etc/resolv.conf"] = "nameserver 192.0.2.53\n";
        await PushOriginalAsync(db, "app00.example.org#/etc/resolv.conf", good["app00.example.org#/etc/resolv.conf"], StatString(33188, 0, 0, 22, 1369870000), TimeSpan.FromMinutes(30));
        good["app01.example.org#/etc/motd"] = "no ttl here\n";
        await PushOriginalAsync(db, "app01.example.org#/etc/motd", good["app01.example.org#/etc/motd"], StatString(33184, 1000, 50, 12, 1369860000).Replace("st_mtime=1369860000", "st_mtime=1369860000.75", StringComparison.Ordinal));
        good["app02.example.org#/etc/hardware_identification.json@cpu"] = "Intel(R) Xeon(R)\n";
        await PushOriginalAsync(db, "app02.example.org#/etc/hardware_identification.json@cpu", good["app02.example.org#/etc/hardware_identification.json@cpu"], NoStat, TimeSpan.FromHours(2));

        await db.StringSetAsync("str.example.org#/etc/hosts", "127.0.0.1 localhost\n");
        await db.ListRightPushAsync("three.example.org#cmd/uptime", [Bzip2.Compress("up\n"u8), Bzip2.Compress("x"u8), Bzip2.Compress("y"u8)]);
        // The original's layout before insertion times: four elements, still a good record.
        await db.ListRightPushAsync(OldLayoutKey, [Bzip2.Compress(OldLayoutContents), Bzip2.Compress(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(OldLayoutContents)))), Bzip2.Compress(Encoding.ASCII.GetBytes(NoStat)), Bzip2.Compress("('Number of characters: 7', 'Number of lines: 2', 'Number of words: 1')"u8)]);
        await db.ListRightPushAsync("garbage.example.org#cmd/df", ["this is not bz2"u8.ToArray(), .. Enumerable.Repeat(Bzip2.Compress("1"u8), 4)]);
        // 17 streams of 16 MiB of zeros, 45 bytes each: 272 MiB once decompressed, over the 256 MiB cap.
        var zeros = Bzip2.Compress(new byte[16 << 20]);
        var bomb = Enumerable.Repeat(zeros, 17).SelectMany(b => b).ToArray();
        await db.ListRightPushAsync("bomb.example.org#/var/log/huge", [bomb, .. Enumerable.Repeat(Bzip2.Compress("1"u8), 4)]);
        await PushOriginalAsync(db, "md5.example.org#/etc/passwd", "root:x:0:0::/root:/bin/sh\n", StatString(33188, 0, 0, 27, 1369870000), md5: "0123456789abcdef0123456789abcdef");
        await db.ListRightPushAsync((RedisKey)(byte[])[0xff, 0xfe, .. "#/etc/latin1"u8], (RedisValue)Bzip2.Compress("x"u8));
        // Not records at all: a key without '#' (the original's temporary name) is left alone.
        await db.ListRightPushAsync("app03.example.org$5f1c7a", (RedisValue)Bzip2.Compress("half written"u8));
        return good;
    }

    private const string OldLayoutKey = "old.example.org#/etc/issue";

    private static readonly byte[] OldLayoutContents = "Debian\n"u8.ToArray();

    private static readonly string[] BadKeyNames =
    [
        "str.example.org#/etc/hosts", "three.example.org#cmd/uptime", "garbage.example.org#cmd/df", "bomb.example.org#/var/log/huge", "md5.example.org#/etc/passwd",
    ];

    [Fact]
    public async Task Original_cache_migrates_to_every_target_with_metadata_ttls_and_catalog()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var good = await BuildOriginalCacheAsync(mux.GetDatabase(1));

        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var result = await OriginalCacheMigrator.MigrateAsync(Server(1), [Server(2), Server(3)], PayloadCodec.ZstdDictionary, CancellationToken.None);

        Assert.Equal(good.Count + 1, result.Keys);
        Assert.Equal(13, result.Hosts);
        Assert.Equal(1, result.WithoutInsertionTime);
        Assert.Equal(1, result.Dictionaries);
        Assert.Equal(6, result.BadKeys);
        Assert.Equal(0, result.Vanished);
        var named = result.FirstBadKeys.ToDictionary(b => b.Key, b => b.Reason);
        Assert.Equal(BadKeyNames.Append("\uFFFD\uFFFD#/etc/latin1").Order(StringComparer.Ordinal), named.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("not a list but a string", named["str.example.org#/etc/hosts"], StringComparison.Ordinal);
        Assert.Contains("a list of 3 elements", named["three.example.org#cmd/uptime"], StringComparison.Ordinal);
        Assert.Contains("not bzip2", named["garbage.example.org#cmd/df"], StringComparison.Ordinal);
        Assert.Contains("more than", named["bomb.example.org#/var/log/huge"], StringComparison.Ordinal);
        Assert.Contains("md5 mismatch", named["md5.example.org#/etc/passwd"], StringComparison.Ordinal);
        Assert.Contains("UTF-8", named["\uFFFD\uFFFD#/etc/latin1"], StringComparison.Ordinal);

        foreach (var db in new[] { 2, 3 })
        {
            await AssertGrepAnswersAsync(db);
            await AssertRecordsAsync(mux.GetDatabase(1), mux.GetDatabase(db), good);
            var old = (byte[]?)await mux.GetDatabase(db).StringGetAsync(OldLayoutKey);
            Assert.True(RecordHeader.TryRead(old, out var header, out _));
            Assert.InRange(header.InsertedUnixMs, before, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()); // none stored: when migrated
            Assert.Equal(RecordEncoder.Md5Of(OldLayoutContents), header.Md5);
        }
    }

    private async Task AssertGrepAnswersAsync(int db)
    {
        await using var query = new FleetQuery([Server(db)]);
        var (counts, result) = await query.GrepUniqAsync(new GrepRequest("sysctl-a", "net.core.netdev_budget"));
        Assert.Equal(0, result.Summary.ServersScanned); // found through the key catalog
        Assert.Empty(result.Summary.Corrupt);
        Assert.Equal(
            [new UniqCount("net.core.netdev_budget_usecs = 2000", 12), new UniqCount("net.core.netdev_budget = 300", 8), new UniqCount("net.core.netdev_budget = 450", 2), new UniqCount("net.core.netdev_budget = 600", 2)],
            counts);
        var (odd, _) = await query.GrepUniqAsync(new GrepRequest("sysctl-a", "kernel.hostname = odd"));
        Assert.Equal([new UniqCount($"kernel.hostname = {OddHost}", 1)], odd);
    }

    private static async Task AssertRecordsAsync(IDatabase source, IDatabase target, Dictionary<string, string> good)
    {
        foreach (var (key, contents) in good)
        {
            var value = (byte[]?)await target.StringGetAsync(key);
            Assert.NotNull(value);
            Assert.True(RecordHeader.TryRead(value, out var header, out var error), error);
            Assert.Equal(1369872000123, header.InsertedUnixMs);
            Assert.Equal(Encoding.UTF8.GetByteCount(contents), header.RawLength);
            Assert.Equal(RecordEncoder.Md5Of(Encoding.UTF8.GetBytes(contents)), header.Md5);
            var sourceTtl = await source.KeyTimeToLiveAsync(key);
            var targetTtl = await target.KeyTimeToLiveAsync(key);
            Assert.Equal(sourceTtl is null, targetTtl is null);
            if (sourceTtl is { } s)
            {
                // Never longer than the original's (a few ms of clock granularity aside).
                Assert.InRange(targetTtl!.Value, s - TimeSpan.FromSeconds(30), s + TimeSpan.FromMilliseconds(50));
            }
            var score = await target.SortedSetScoreAsync(KeyCatalog.HostsOf(ObjectKey.Split(key).Object), ObjectKey.Split(key).Host);
            Assert.NotNull(score);
            Assert.Equal(sourceTtl is null, double.IsPositiveInfinity(score.Value));
        }
        var sysctl = await HeaderAsync(target, $"{OddHost}#cmd/sysctl-a");
        Assert.Equal(PayloadCodec.ZstdDictionary, sysctl.Codec);
        Assert.Equal(FileStat.None, sysctl.Stat);
        Assert.Equal(FileStat.None, (await HeaderAsync(target, "app02.example.org#/etc/hardware_identification.json@cpu")).Stat);
        Assert.Equal(new FileStat(33188, 0, 0, 22, 1369870000), (await HeaderAsync(target, "app00.example.org#/etc/resolv.conf")).Stat);
        Assert.Equal(new FileStat(33184, 1000, 50, 12, 1369860000), (await HeaderAsync(target, "app01.example.org#/etc/motd")).Stat);
        Assert.Equal(PayloadCodec.Lz4, (await HeaderAsync(target, "app01.example.org#/etc/motd")).Codec);
        foreach (var bad in BadKeyNames.Append("app03.example.org$5f1c7a"))
        {
            Assert.False(await target.KeyExistsAsync(bad));
        }
        var dictionaryKey = KeyCatalog.DictionaryKey(sysctl.DictionaryId);
        var dictionaryTtl = await target.KeyTimeToLiveAsync(dictionaryKey);
        // Outlives the sysctl-a records (1 hour) by the dictionaries' extra hour; kept at its
        // provisional day: published, it may be in use by pushers already, so never shortened.
        Assert.InRange(dictionaryTtl!.Value, TimeSpan.FromHours(25) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(25));
        // Published as the object's current dictionary: a host pushing the same contents only refreshes it.
        Assert.Equal(DictionaryStore.Hex(sysctl.DictionaryId), (string?)await target.HashGetAsync(DictionaryStore.CurrentKey, "cmd/sysctl-a"));
    }

    private static async Task<RecordHeader> HeaderAsync(IDatabase db, string key)
    {
        Assert.True(RecordHeader.TryRead((byte[])(await db.StringGetAsync(key))!, out var header, out var error), error);
        return header;
    }

    [Fact]
    public async Task Command_line_names_bad_keys_and_exits_2()
    {
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            var db = mux.GetDatabase(4);
            await PushOriginalAsync(db, "h1.example.org#cmd/uname-a", "Linux h1\n", NoStat);
            await db.StringSetAsync("h2.example.org#cmd/uname-a", "plain");
        }
        var stderr = new StringWriter();
        var exit = await Cli.CliRunner.RunAsync(() => Cli.Commands.MigrateHandler.RunAsync(Server(4), [Server(5)], PayloadCodec.Lz4, Push.HistoryRetention.Default, stderr, CancellationToken.None), stderr, verbose: false);
        Assert.Equal(2, exit);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("sysops-fast: bad key h2.example.org#cmd/uname-a: not a list but a string", lines[0]);
        Assert.Matches(@"^sysops-fast: migrated 1 keys of 1 hosts \(0\.0 MB stored\) in [0-9.]+ s; 1 bad keys: first h2.example.org#cmd/uname-a$", lines[1]);

        // An empty source (the wrong database, say) is no error, but the summary says where to look.
        stderr = new StringWriter();
        exit = await Cli.CliRunner.RunAsync(() => Cli.Commands.MigrateHandler.RunAsync(Server(8), [Server(9)], PayloadCodec.ZstdDictionary, Push.HistoryRetention.Default, stderr, CancellationToken.None), stderr, verbose: false);
        Assert.Equal(0, exit);
        Assert.Contains("migrated 0 keys of 0 hosts", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("usually in database 1", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_source_or_target_is_one_clear_error()
    {
        var nowhere = ServerAddress.Parse($"127.0.0.1:{RedisServerFixture.FreePort()}/1");
        var e = await Assert.ThrowsAsync<SysopsFastException>(() => OriginalCacheMigrator.MigrateAsync(nowhere, [Server(7)], PayloadCodec.Lz4, CancellationToken.None));
        Assert.StartsWith($"cannot reach the original cache's Redis server {nowhere}", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("--", e.Message, StringComparison.Ordinal);

        e = await Assert.ThrowsAsync<SysopsFastException>(() => OriginalCacheMigrator.MigrateAsync(Server(1), [nowhere], PayloadCodec.Lz4, CancellationToken.None));
        Assert.StartsWith($"cannot reach the Redis server {nowhere}", e.Message, StringComparison.Ordinal);

        e = await Assert.ThrowsAsync<SysopsFastException>(() => OriginalCacheMigrator.MigrateAsync(Server(1), [Server(1)], PayloadCodec.Lz4, CancellationToken.None));
        Assert.Contains("both the original cache and a target", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A target that already holds a key: migrate writes through the history writer, so the record it
    /// replaces (stored before the original's insertion time) stays as a version, and a record newer
    /// than the original's is left as it is. (The original kept six hours: recent times, which the
    /// history's maximum age keeps.)
    /// </summary>
    [Fact]
    public async Task Migrating_over_a_held_key_keeps_the_old_record_as_a_version()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var source = mux.GetDatabase(13);
        var target = mux.GetDatabase(14);
        var hourAgo = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        await PushOriginalAsync(source, "held.example.org#/etc/motd", "migrated\n", StatString(33188, 0, 0, 9, 1369870000), inserted: hourAgo / 1000.0);
        await PushOriginalAsync(source, "newer.example.org#/etc/motd", "migrated\n", StatString(33188, 0, 0, 9, 1369870000), inserted: hourAgo / 1000.0);
        var older = RecordEncoder.Encode("held before\n"u8, new FileStat(0x81A4, 0, 0, 12, 1369000000), hourAgo - 3_600_000, PayloadCodec.Lz4);
        var newer = RecordEncoder.Encode("pushed since\n"u8, new FileStat(0x81A4, 0, 0, 13, 1369990000), hourAgo + 1_800_000, PayloadCodec.Lz4);
        await target.StringSetAsync("held.example.org#/etc/motd", older);
        await target.StringSetAsync("newer.example.org#/etc/motd", newer);

        await OriginalCacheMigrator.MigrateAsync(Server(13), [Server(14)], PayloadCodec.Lz4, CancellationToken.None);

        await using var query = new FleetQuery([Server(14)]);
        var held = await query.History.VersionsAsync("held.example.org#/etc/motd");
        Assert.Equal(["migrated\n", "held before\n"], held.Items.Select(v => Encoding.UTF8.GetString(v.Contents.Span)));
        Assert.Equal([hourAgo, hourAgo - 3_600_000], held.Items.Select(v => v.Header.InsertedUnixMs));
        Assert.Equal(newer, (byte[]?)await target.StringGetAsync("newer.example.org#/etc/motd"));
        Assert.False(await target.KeyExistsAsync(HistoryKey.Of("newer.example.org#/etc/motd")));
    }
}
