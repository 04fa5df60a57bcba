using System.Text;
using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Pipeline;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// The key catalog's host-name index (docs/FORMAT.md, "Host-name index") against a real
/// redis-server: with it, <c>*text*</c> and <c>*suffix</c> select exactly the keys SCAN MATCH
/// selects, over random host names that do and do not hold the texts, whether the index is marked
/// complete or not, before and after <c>catalog index</c>; and a contains-pattern reads no host name.
/// </summary>
public sealed class HostNameIndexTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const string Alphabet = "abcdeq-.01";

    private ServerAddress Server(int db) => ServerAddress.Parse($"redis://{redis.Address}/{db}");

    private static byte[] Record(string key) => RecordEncoder.Encode(Encoding.UTF8.GetBytes(key + "\n"), FileStat.None, 0);

    /// <summary>A random fleet written as today's writers write it (index included); returns its keys.</summary>
    private static async Task<List<string>> WriteFleetAsync(IDatabase db, Random random, int hosts)
    {
        string[] objects = ["cmd/sysctl-a", "/etc/passwd", "/etc/sysctl.conf", "cmd/uname-a", "/etc/odd#name", .. Enumerable.Range(0, 12).Select(_ => "/" + Word(random, 2, 9))];
        var writer = new RecordWriter(db, TimeSpan.FromHours(1));
        var keys = new List<string>();
        foreach (var host in Enumerable.Range(0, hosts).Select(_ => Word(random, 3, 16)).Distinct())
        {
            foreach (var obj in objects.Where(_ => random.Next(3) == 0))
            {
                var key = ObjectKey.Make(host, obj);
                await writer.SetAsync(key, Record(key));
                keys.Add(key);
            }
        }
        await writer.FlushAsync();
        return keys;
    }

    /// <summary>A host written by a writer from before the index: its key and catalog entries, no grams.</summary>
    private static async Task WriteAsOldWriterAsync(IDatabase db, string host, string obj)
    {
        var key = ObjectKey.Make(host, obj);
        await db.StringSetAsync(key, Record(key), TimeSpan.FromHours(1));
        await db.SortedSetAddAsync(KeyCatalog.HostsOf(obj), host, double.PositiveInfinity);
        await db.SortedSetAddAsync(KeyCatalog.HostsKey, host, double.PositiveInfinity, SortedSetWhen.GreaterThan);
        await db.SortedSetAddAsync(KeyCatalog.ObjectsKey, obj, double.PositiveInfinity, SortedSetWhen.GreaterThan);
    }

    private static string Word(Random random, int min, int max) =>
        new([.. Enumerable.Range(0, random.Next(min, max)).Select(_ => Alphabet[random.Next(Alphabet.Length)])]);

    /// <summary>
    /// Contains- and suffix-globs whose text is a piece of a host name, of an object name, or random:
    /// some held by host names only, some by object names only, some by neither.
    /// </summary>
    private static IEnumerable<string> Globs(Random random, IReadOnlyList<string> keys, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var key = keys[random.Next(keys.Count)];
            var hash = key.IndexOf('#', StringComparison.Ordinal);
            var source = random.Next(3) switch
            {
                0 => key[..hash],
                1 => key[(hash + 1)..],
                _ => Word(random, 1, 6),
            };
            var start = random.Next(source.Length);
            var text = source.Substring(start, random.Next(1, Math.Min(7, source.Length - start) + 1));
            if (text.Contains('#', StringComparison.Ordinal))
            {
                continue;
            }
            yield return random.Next(4) == 0 ? "*" + text : "*" + text + "*";
        }
    }

    private static async Task<(SortedSet<string> Keys, ExtractSummary Summary)> SelectAsync(FleetQuery query, string glob, bool scan)
    {
        var collector = new KeyCatalogTests.KeyCollector();
        var summary = await query.RunAsync(new RecordSelection { KeyGlob = glob, Mode = RecordReadMode.KeyOnly, Scan = scan }, collector);
        return (collector.Keys, summary);
    }

    /// <summary>Every glob selects through the catalog exactly what SCAN MATCH selects, and never falls back to SCAN.</summary>
    private async Task AssertSameAsScanAsync(int db, IEnumerable<string> globs)
    {
        await using var query = new FleetQuery([Server(db)]);
        foreach (var glob in globs)
        {
            var byScan = await SelectAsync(query, glob, scan: true);
            var byCatalog = await SelectAsync(query, glob, scan: false);
            Assert.True(byScan.Keys.SetEquals(byCatalog.Keys), $"glob '{glob}': scan [{string.Join(" ", byScan.Keys)}] / catalog [{string.Join(" ", byCatalog.Keys)}]");
            Assert.Equal(0, byCatalog.Summary.ServersScanned);
        }
    }

    [Fact]
    public async Task Contains_and_suffix_globs_select_what_scan_selects_with_the_index_complete_absent_and_rebuilt()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var db = mux.GetDatabase(3);
        var random = new Random(20261207);
        var keys = await WriteFleetAsync(db, random, 300);
        // The writer created the catalog, so it indexed every host in it and marked the index complete.
        Assert.True(await db.KeyExistsAsync(KeyCatalog.HostGramsCompleteKey));
        var globs = Globs(random, keys, 400).ToArray();
        await AssertSameAsScanAsync(3, globs);

        // A writer from before the index adds a host the index lacks: with the marker gone (the
        // rollout rule), its host name is read as without an index, and still found.
        await db.KeyDeleteAsync(KeyCatalog.HostGramsCompleteKey);
        await WriteAsOldWriterAsync(db, "zzqx-legacy.example", "cmd/sysctl-a");
        await AssertSameAsScanAsync(3, ["*zzqx*", "*gacy.ex*", "*-a", .. globs]);

        // catalog index reads the host names once, adds the missing grams and marks the index complete.
        await using (var admin = new FleetQuery([Server(3)]))
        {
            var row = Assert.Single(await admin.Catalog.IndexHostNamesAsync());
            Assert.Null(row.Error);
            Assert.Equal(await db.SortedSetLengthAsync(KeyCatalog.HostsKey), row.HostNames);
            Assert.True(row.GramsAdded > 0);
        }
        Assert.True(await db.KeyExistsAsync(KeyCatalog.HostGramsCompleteKey));
        await AssertSameAsScanAsync(3, ["*zzqx*", "*gacy.ex*", .. globs]);
    }

    /// <summary>
    /// Why the marker waits for every writer: trusted while an older writer's host lacks its grams,
    /// the index hides that host's keys from a pattern only its name holds (SCAN finds them).
    /// </summary>
    [Fact]
    public async Task A_complete_index_is_trusted_so_an_old_writers_host_added_after_it_is_missed()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var db = mux.GetDatabase(4);
        await WriteFleetAsync(db, new Random(4), 20);
        await WriteAsOldWriterAsync(db, "zzqx-legacy.example", "cmd/sysctl-a");
        await using var query = new FleetQuery([Server(4)]);
        Assert.Equal(["zzqx-legacy.example#cmd/sysctl-a"], (await SelectAsync(query, "*zzqx*", scan: true)).Keys);
        Assert.Empty((await SelectAsync(query, "*zzqx*", scan: false)).Keys);
    }

    /// <summary>
    /// With the index complete, <c>*sysctl-a*</c> asks one ZMSCORE and ZSCANs exactly the sets that
    /// the suffix <c>*sysctl-a</c> reads (the object names and cmd/sysctl-a's hosts: the same keys
    /// here), never the host set; without the marker it reads the host set too. Counted by the
    /// server (INFO commandstats).
    /// </summary>
    [Fact]
    public async Task A_contains_pattern_reads_no_host_name_when_the_index_is_complete()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address + ",allowAdmin=true");
        var db = mux.GetDatabase(5);
        await WriteFleetAsync(db, new Random(5), 100);
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        await using var query = new FleetQuery([Server(5)]);

        async Task<(long Zscan, long Zmscore)> CallsAsync(string glob)
        {
            var before = await CommandCallsAsync(server);
            var (keys, _) = await SelectAsync(query, glob, scan: false);
            Assert.NotEmpty(keys);
            var after = await CommandCallsAsync(server);
            return (after.GetValueOrDefault("zscan") - before.GetValueOrDefault("zscan"), after.GetValueOrDefault("zmscore") - before.GetValueOrDefault("zmscore"));
        }

        var byObject = await CallsAsync("*sysctl-a");
        Assert.Equal((2L, 0L), byObject);
        var indexed = await CallsAsync("*sysctl-a*");
        Assert.Equal((byObject.Zscan, 1L), indexed);
        await db.KeyDeleteAsync(KeyCatalog.HostGramsCompleteKey);
        var unindexed = await CallsAsync("*sysctl-a*");
        Assert.Equal(byObject.Zscan + 1, unindexed.Zscan);
    }

    /// <summary>Calls per command, from INFO commandstats (<c>cmdstat_zscan:calls=12,…</c>).</summary>
    private static async Task<Dictionary<string, long>> CommandCallsAsync(IServer server)
    {
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in (await server.InfoRawAsync("commandstats"))!.Split('\n'))
        {
            if (line.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                var name = line["cmdstat_".Length..line.IndexOf(':', StringComparison.Ordinal)];
                var value = line.Split(':')[1].Split(',')[0]["calls=".Length..];
                calls[name] = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return calls;
    }

    /// <summary>Push indexes its host before listing it, as the writers of many hosts do.</summary>
    [Fact]
    public async Task Push_adds_its_hosts_grams()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var db = mux.GetDatabase(6);
        await Push.PushAgent.PushAsync("web7.example.org", [new Push.PushObject("cmd/uname-a", "Linux\n"u8.ToArray(), FileStat.None, 1)], [Server(6)], TimeSpan.FromHours(1), TimeSpan.FromSeconds(10), CancellationToken.None);
        var grams = HostNameGrams.Of("web7.example.org");
        var scores = await db.SortedSetScoresAsync(KeyCatalog.HostGramsKey, [.. grams.Select(g => (RedisValue)g)]);
        Assert.All(scores, s => Assert.NotNull(s));
        Assert.Equal(grams.Count, await db.SortedSetLengthAsync(KeyCatalog.HostGramsKey));
        // Push alone creates no marker: only catalog index, or a writer of a whole new catalog, does.
        Assert.False(await db.KeyExistsAsync(KeyCatalog.HostGramsCompleteKey));
    }
}
