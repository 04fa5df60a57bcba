using System.Text;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Pipeline;
using SysopsFast.Redis;
using SysopsFast.Topology;
using StackExchange.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// Key discovery through the catalog must select exactly the keys SCAN MATCH selects, for every
/// form of pattern, against a real redis-server (and embedded Garnet), with hostile names mixed in.
/// </summary>
public abstract class KeyCatalogTests
{
    private readonly string _address;

    protected KeyCatalogTests(string address) => _address = address;

    private ServerAddress Server(int db) => ServerAddress.Parse($"redis://{_address}/{db}");

    private static readonly string[] Hosts =
    [
        "eat1-app00001.example.com", "eat1-app00002.example.com", "lva1-db00003.example.com",
        "sysctl-a.example.com", // a host whose name contains an object's name
        "we?ird[host].example.com", "héllo.example.com",
    ];

    private static readonly string[] Objects =
    [
        "cmd/sysctl-a", "cmd/uname-a", "/etc/passwd", "/etc/sysctl.conf", "/etc/odd#name", "cmd/[bracket]", "/srv/ünïcode",
    ];

    private async Task WriteAsync(IDatabase db, TimeSpan? ttl)
    {
        var writer = new RecordWriter(db, ttl);
        foreach (var host in Hosts)
        {
            foreach (var obj in Objects)
            {
                var record = RecordEncoder.Encode(Encoding.UTF8.GetBytes($"{host} {obj}\n"), FileStat.None, 0);
                await writer.SetAsync(ObjectKey.Make(host, obj), record);
            }
        }
        await writer.FlushAsync();
    }

    /// <summary>The keys a query reads, found one way or the other.</summary>
    private async Task<SortedSet<string>> KeysReadAsync(int db, string pattern, bool scan, HostFilter? hosts = null, bool scanExpected = false)
    {
        var collector = new KeyCollector();
        await using var query = new FleetQuery(FleetTopology.FromServers([Server(db)]), new QueryTargeting { Scan = scan, Hosts = hosts });
        try
        {
            var summary = await query.RunAsync(pattern, collector);
            Assert.Equal(scan || scanExpected ? 1 : 0, summary.ServersScanned);
        }
        catch (SysopsFastException e) when (e.Message.StartsWith("no object matches", StringComparison.Ordinal))
        {
            // Nothing matched: the empty set is the answer to compare.
        }
        return collector.Keys;
    }

    public static TheoryData<string> Patterns =>
    [
        "sysctl-a", "sysctl", "example", "passwd", "eat1-app00001", "#", "*#*", "eat1-*#cmd/*", "*#/etc/*",
        "*#*sysctl*", "lva1-db00003.example.com#/etc/passwd", "?at1-app0000?.example.com#cmd/uname-a",
        "*#/etc/odd#name", "*odd#*", "we?ird*#*", "*[h]ost*#cmd/*", "héllo", "ünïcode", "cmd/[[]bracket]",
        "sysctl*", "*app*sysctl*", "no-such-object", "*a*a*a*a*a*a*a*a*a*b", "app0000[12]",
        // An empty host part matches no host: these select nothing (SCAN: only the catalog's own keys).
        "#*uname*", "#*", "#cmd/uname-a", "##", "#*#*",
    ];

    [Theory]
    [MemberData(nameof(Patterns))]
    public async Task Catalog_selects_exactly_the_keys_scan_selects(string pattern)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(_address);
        var db = mux.GetDatabase(8);
        if (!await db.KeyExistsAsync(KeyCatalog.ObjectsKey))
        {
            await WriteAsync(db, TimeSpan.FromHours(1));
        }
        var byScan = await KeysReadAsync(8, pattern, scan: true);
        // Classes or escapes in a host part, and wildcards inside a contains-pattern, could span the
        // '#': the catalog leaves those to SCAN rather than guess.
        var unsplittable = pattern is "app0000[12]" or "*app*sysctl*" or "cmd/[[]bracket]" or "*[h]ost*#cmd/*" or "*a*a*a*a*a*a*a*a*a*b";
        var byCatalog = await KeysReadAsync(8, pattern, scan: false, scanExpected: unsplittable);
        Assert.Equal(byScan, byCatalog);
        Assert.DoesNotContain(byScan, k => k.StartsWith(KeyCatalog.Prefix, StringComparison.Ordinal));
    }

    /// <summary>
    /// Random globs built from the fleet's keys (an empty host part, '#' in odd places, escapes,
    /// classes, wildcards), each read through the catalog and through SCAN MATCH: the same keys.
    /// </summary>
    protected async Task Random_globs_select_the_same_keys_through_the_catalog_and_scan(int db, int patterns)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(_address);
        await WriteAsync(mux.GetDatabase(db), TimeSpan.FromHours(1));
        await using var query = new FleetQuery([Server(db)]);
        var random = new Random(20261127);
        var keys = Hosts.SelectMany(h => Objects.Select(o => ObjectKey.Make(h, o))).ToArray();
        for (var i = 0; i < patterns; i++)
        {
            var glob = RandomGlob(random, keys[random.Next(keys.Length)]);
            var byScan = await SelectAsync(query, glob, scan: true);
            var byCatalog = await SelectAsync(query, glob, scan: false);
            Assert.True(byScan.SetEquals(byCatalog), $"glob '{glob}': scan [{string.Join(" ", byScan)}] / catalog [{string.Join(" ", byCatalog)}]");
        }
    }

    private static async Task<SortedSet<string>> SelectAsync(FleetQuery query, string glob, bool scan)
    {
        var collector = new KeyCollector();
        await query.RunAsync(new RecordSelection { KeyGlob = glob, Mode = RecordReadMode.KeyOnly, Scan = scan }, collector);
        return collector.Keys;
    }

    /// <summary>A key of the fleet, mangled a few times; now and then a short string of glob characters.</summary>
    private static string RandomGlob(Random random, string key)
    {
        if (random.Next(8) == 0)
        {
            const string alphabet = "#*?[]^-\\ae.";
            return new string(Enumerable.Range(0, random.Next(1, 7)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
        }
        var glob = key;
        for (var n = random.Next(1, 4); n > 0 && glob.Length > 0; n--)
        {
            var at = random.Next(glob.Length);
            var length = random.Next(1, Math.Min(8, glob.Length - at) + 1);
            glob = random.Next(9) switch
            {
                0 => glob[..at] + "*" + glob[(at + length)..],
                1 => glob[..at] + "?" + glob[(at + 1)..],
                2 => glob[..at] + "[" + glob[at] + "]" + glob[(at + 1)..],
                3 => glob[..at] + "[^" + glob[at] + "]" + glob[(at + 1)..],
                4 => glob[..at] + "[a-z#]" + glob[(at + 1)..],
                5 => glob[..at] + "\\" + glob[at..],
                6 => glob[..at] + "#" + glob[at..],
                7 when glob.Contains('#', StringComparison.Ordinal) => glob[glob.IndexOf('#', StringComparison.Ordinal)..], // the host part emptied
                _ => "*" + glob[at..],
            };
        }
        return glob;
    }

    [Fact]
    public async Task Catalog_applies_host_restrictions_like_scan()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(_address);
        var db = mux.GetDatabase(9);
        await WriteAsync(db, null);
        var hosts = new HostFilter().RequireGlob("eat1-*");
        var byCatalog = await KeysReadAsync(9, "sysctl", scan: false, hosts);
        Assert.Equal(await KeysReadAsync(9, "sysctl", scan: true, hosts), byCatalog);
        Assert.Equal(["eat1-app00001.example.com#/etc/sysctl.conf", "eat1-app00001.example.com#cmd/sysctl-a", "eat1-app00002.example.com#/etc/sysctl.conf", "eat1-app00002.example.com#cmd/sysctl-a"], byCatalog);
    }

    [Fact]
    public async Task Without_a_catalog_keys_are_found_by_scan()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(_address);
        var db = mux.GetDatabase(10);
        // A client that keeps no catalog: bare SETs.
        var record = RecordEncoder.Encode("net.core.netdev_budget = 300\n"u8, FileStat.None, 0);
        await db.StringSetAsync("old-client.example.com#cmd/sysctl-a", record);
        await using var query = new FleetQuery([Server(10)]);
        var (counts, result) = await query.GrepUniqAsync(new Grep.GrepRequest("sysctl-a", "netdev_budget"));
        Assert.Equal(1, result.Summary.ServersScanned);
        Assert.Equal(1, Assert.Single(counts).Count);
    }

    [Fact]
    public async Task Expired_entries_are_skipped_and_pruned_and_vanished_keys_are_not_counted()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(_address);
        var db = mux.GetDatabase(11);
        await WriteAsync(db, TimeSpan.FromHours(1));
        // An entry whose expiry passed long ago (a host that stopped reporting: its key expired), and
        // a key that vanished while its entry still looks valid (deleted, or expired between listing
        // and fetch). An old entry whose key still exists is listed (CatalogPoisoningTests).
        var gone = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        await db.SortedSetAddAsync(KeyCatalog.HostsOf("cmd/sysctl-a"), "retired.example.com", gone);
        await db.KeyDeleteAsync(ObjectKey.Make(Hosts[1], "cmd/sysctl-a"));

        var collector = new KeyCollector();
        await using var query = new FleetQuery([Server(11)]);
        var summary = await query.RunAsync("cmd/sysctl-a", collector);
        Assert.Equal(0, summary.ServersScanned);
        Assert.DoesNotContain("retired.example.com#cmd/sysctl-a", collector.Keys);
        Assert.DoesNotContain(ObjectKey.Make(Hosts[1], "cmd/sysctl-a"), collector.Keys);
        Assert.Equal(Hosts.Length - 1, collector.Keys.Count);
        Assert.Equal(1, summary.RecordsMissing);

        // Pruning is sent without waiting for its answer: it lands soon, on another connection than ours.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await db.SortedSetScoreAsync(KeyCatalog.HostsOf("cmd/sysctl-a"), "retired.example.com") is not null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Null(await db.SortedSetScoreAsync(KeyCatalog.HostsOf("cmd/sysctl-a"), "retired.example.com"));
    }

    /// <summary>The keys a query reads (its records' contents are not looked at).</summary>
    internal sealed class KeyCollector : IRecordProcessorFactory, IRecordProcessor
    {
        private readonly object _lock = new();

        public SortedSet<string> Keys { get; } = new(StringComparer.Ordinal);

        public IRecordProcessor CreateForWorker() => this;

        public void Complete(IReadOnlyList<IRecordProcessor> processors)
        {
        }

        public bool Process(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content)
        {
            lock (_lock)
            {
                Keys.Add(Encoding.UTF8.GetString(key));
            }
            return true;
        }
    }
}

public sealed class RedisKeyCatalogTests(RedisServerFixture redis) : KeyCatalogTests(redis.Address), IClassFixture<RedisServerFixture>
{
    /// <summary>Against Redis's own SCAN MATCH (Garnet's glob has quirks of its own).</summary>
    [Fact]
    public Task Catalog_selects_what_scan_match_selects_for_random_globs() =>
        Random_globs_select_the_same_keys_through_the_catalog_and_scan(13, 400);

    /// <summary>The catalog's glob must agree with Redis's own, quirks included (KEYS uses the same matcher as SCAN).</summary>
    [Fact]
    public async Task Glob_matches_exactly_what_redis_matches()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address + ",allowAdmin=true");
        var db = mux.GetDatabase(12);
        var random = new Random(12345);
        const string alphabet = "ab#-^]\\[*?é";
        string Make(int max) => new(Enumerable.Range(0, random.Next(0, max)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
        var keys = Enumerable.Range(0, 80).Select(_ => Make(7)).Where(k => k.Length > 0).Distinct().ToArray();
        foreach (var k in keys)
        {
            await db.StringSetAsync(k, "x");
        }
        for (var i = 0; i < 400; i++)
        {
            var pattern = Make(8);
            var expected = ((string[])(await db.ExecuteAsync("KEYS", pattern))!).Order(StringComparer.Ordinal).ToArray();
            var patternBytes = Encoding.UTF8.GetBytes(pattern);
            var ours = keys.Where(k => RedisGlob.IsMatch(patternBytes, Encoding.UTF8.GetBytes(k))).Order(StringComparer.Ordinal).ToArray();
            Assert.True(expected.SequenceEqual(ours), $"pattern '{pattern}': redis {string.Join(" ", expected)} / ours {string.Join(" ", ours)}");
        }
    }
}

public sealed class GarnetKeyCatalogTests(GarnetServerFixture garnet) : KeyCatalogTests(garnet.Address), IClassFixture<GarnetServerFixture>;
