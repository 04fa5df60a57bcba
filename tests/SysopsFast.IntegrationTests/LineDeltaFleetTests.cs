using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// Line delta records (codec 4) through every query, against a real redis-server: one generated
/// fleet written twice, with bases (most objects codec 4, netstat-like ones codec 3) and without
/// (codec 3), must give the same answers byte for byte; a base gone makes only its records corrupt.
/// </summary>
public sealed class LineDeltaFleetTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const int WithBases = 1;
    private const int Today = 2;

    private static readonly SemaphoreSlim Generated = new(1, 1);
    private static bool _generated;

    private ServerAddress Server(int db) => ServerAddress.Parse(Url(db));

    private string Url(int db) => $"redis://{redis.Address}/{db}";

    private async Task GenerateBothAsync()
    {
        await Generated.WaitAsync();
        try
        {
            if (!_generated)
            {
                var fleet = new SyntheticFleet(120, 11);
                await FleetGenerator.GenerateAsync(fleet, Server(WithBases), PayloadCodec.LineDelta, null, plain: false, CancellationToken.None);
                await FleetGenerator.GenerateAsync(fleet, Server(Today), PayloadCodec.ZstdDictionary, null, plain: false, CancellationToken.None);
                _generated = true;
            }
        }
        finally
        {
            Generated.Release();
        }
    }

    private async Task<Dictionary<PayloadCodec, int>> CodecsAsync(int db, string objectName)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var keys = Enumerable.Range(0, 120).Select(h => (RedisKey)ObjectKey.Make(SyntheticFleet.HostName(h), objectName)).ToArray();
        var values = await mux.GetDatabase(db).StringGetAsync(keys);
        return values.Select(v => (PayloadCodec)((byte[])v!)[5]).GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
    }

    [Fact]
    public async Task Generate_writes_deltas_where_they_pay_and_keeps_dictionaries_for_netstat()
    {
        await GenerateBothAsync();
        Assert.Equal(120, (await CodecsAsync(WithBases, "cmd/sysctl-a")).GetValueOrDefault(PayloadCodec.LineDelta));
        Assert.Equal(120, (await CodecsAsync(WithBases, "cmd/netstat-anp")).GetValueOrDefault(PayloadCodec.ZstdDictionary));
        Assert.Equal(120, (await CodecsAsync(Today, "cmd/sysctl-a")).GetValueOrDefault(PayloadCodec.ZstdDictionary));
    }

    public static TheoryData<string[]> Queries => new()
    {
        new[] { "grep", "sysctl-a", "net.core.netdev_budget", "--uniq" },
        new[] { "grep", "sysctl-a", "kernel", "-H" },
        new[] { "grep", "*", "root", "-c" },
        new[] { "grep", "*", "nameserver", "-l" },
        new[] { "grep", "sysctl-a", "^kernel\\.(hostname|osrelease)", "-H", "-n", "-E" },
        new[] { "grep", "passwd", "nologin", "-v", "-H" },
        new[] { "kv", "sysctl-a", "net.core.*" },
        new[] { "kv", "sysctl.conf" },
        new[] { "search", "*passwd", "--contents" },
        new[] { "search", "*", "--md5sum" },
        new[] { "compare", SyntheticFleet.HostName(7) + "#cmd/sysctl-a", "*sysctl-a" },
        new[] { "compare-all", "*rpm-qa" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task A_fleet_of_deltas_answers_as_the_same_fleet_without(string[] query)
    {
        await GenerateBothAsync();
        var withBases = await CliProcessTests.Run([.. query, "--server", Url(WithBases)]);
        var today = await CliProcessTests.Run([.. query, "--server", Url(Today)]);
        Assert.True(today.Exit == 0, today.Stderr);
        // Lines come in the order records arrive, which differs between two databases: compared as sorted lines.
        Assert.Equal(Lines(today.Stdout), Lines(withBases.Stdout));
        Assert.Equal(today.Exit, withBases.Exit);
        Assert.DoesNotContain("corrupt", withBases.Stderr, StringComparison.Ordinal);
        Assert.NotEmpty(today.Stdout);
    }

    [Fact]
    public async Task Dump_of_deltas_writes_the_same_files()
    {
        await GenerateBothAsync();
        var root = Directory.CreateTempSubdirectory("delta-dump-");
        try
        {
            var withBases = await CliProcessTests.Run("dump", Path.Combine(root.FullName, "a"), "--server", Url(WithBases));
            var today = await CliProcessTests.Run("dump", Path.Combine(root.FullName, "b"), "--server", Url(Today));
            Assert.True(withBases.Exit == 0, withBases.Stderr);
            Assert.True(today.Exit == 0, today.Stderr);
            var a = Files(Path.Combine(root.FullName, "a"));
            var b = Files(Path.Combine(root.FullName, "b"));
            Assert.Equal(120 * SyntheticFleet.ObjectNames.Length, a.Count);
            Assert.Equal(b.Keys, a.Keys);
            Assert.All(a, f => Assert.True(f.Value.SequenceEqual(b[f.Key]), f.Key));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static string[] Lines(string text) => [.. text.Split('\n').Order(StringComparer.Ordinal)];

    private static Dictionary<string, byte[]> Files(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllBytes, StringComparer.Ordinal);

    [Fact]
    public async Task A_missing_base_makes_only_its_records_corrupt()
    {
        var fleet = new SyntheticFleet(40, 12);
        await FleetGenerator.GenerateAsync(fleet, Server(3), PayloadCodec.LineDelta, null, plain: false, CancellationToken.None);
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            var db = mux.GetDatabase(3);
            var sysctl = (string)(await db.HashGetAsync(SharedKind.Base.CurrentKey, "cmd/sysctl-a"))!;
            Assert.True(await db.KeyDeleteAsync(SharedKind.Base.Prefix + sysctl));
        }
        // Every object read: the 40 sysctl-a records are corrupt, every other record answers.
        var (exit, stdout, stderr) = await CliProcessTests.Run("grep", "*", "nameserver", "-c", "--server", Url(3));
        Assert.Equal(2, exit);
        Assert.Equal(40, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains("#/etc/resolv.conf:", StringComparison.Ordinal) && !l.EndsWith(":0", StringComparison.Ordinal)));
        Assert.DoesNotContain("sysctl-a", stdout, StringComparison.Ordinal);
        Assert.Contains("not found (#base:", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("resolv.conf", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_base_is_refused_with_its_reason()
    {
        var fleet = new SyntheticFleet(40, 13);
        await FleetGenerator.GenerateAsync(fleet, Server(4), PayloadCodec.LineDelta, null, plain: false, CancellationToken.None);
        string id;
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            var db = mux.GetDatabase(4);
            id = (string)(await db.HashGetAsync(SharedKind.Base.CurrentKey, "cmd/sysctl-a"))!;
            // A sound record of other contents under the id: its contents do not hash to the id.
            await db.StringSetAsync(SharedKind.Base.Prefix + id, RecordEncoder.Encode("other\n"u8, FileStat.None, 0, PayloadCodec.Lz4));
        }
        var (exit, _, stderr) = await CliProcessTests.Run("grep", "sysctl-a", "net.core.netdev_budget", "--uniq", "--server", Url(4));
        Assert.Equal(2, exit);
        Assert.Contains($"base #base:{id} is damaged (its contents do not hash to its id)", stderr, StringComparison.Ordinal);
    }
}
