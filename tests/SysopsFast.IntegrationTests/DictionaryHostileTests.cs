using System.Buffers.Binary;
using System.Text;
using StackExchange.Redis;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;
using Xunit.Abstractions;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// Dictionaries and records a shared pusher can write by hand (docs/SECURITY.md): a malformed or huge
/// dictionary, a record whose contents are not what its md5 says. Each makes only the records it
/// touches corrupt (named, exit 2); every other record is answered, within the client's memory bound.
/// </summary>
public sealed class DictionaryHostileTests(RedisServerFixture redis, ITestOutputHelper output) : IClassFixture<RedisServerFixture>
{
    private string Url(int db) => $"redis://{redis.Address}/{db}";

    private static readonly string[] GoodHosts = ["a.example.org", "b.example.org", "c.example.org"];

    private static byte[] Sysctl(string host) => Encoding.UTF8.GetBytes($"kernel.hostname = {host}\nnet.core.somaxconn = 4096\n");

    private async Task<CliRun> Cli(params string[] args)
    {
        var run = await MeasuredCli.RunWithinBoundAsync(output, args);
        Assert.DoesNotContain("internal error", run.Stderr, StringComparison.Ordinal);
        return run;
    }

    /// <summary>Good hosts with LZ4 records, then whatever the test writes by hand.</summary>
    private async Task WithDb(int db, Func<IDatabase, Task> write)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address + ",syncTimeout=60000,asyncTimeout=60000,allowAdmin=true");
        var database = mux.GetDatabase(db);
        await database.ExecuteAsync("FLUSHDB");
        foreach (var host in GoodHosts)
        {
            await QueryFleet.PutAsync(database, host, "cmd/sysctl-a", Sysctl(host));
        }
        await write(database);
    }

    /// <summary>A dictionary stored and listed as a writer would (so readers load it), whatever its bytes.</summary>
    private static async Task StoreDictionaryAsync(IDatabase db, byte[] bytes)
    {
        var id = CompressionDictionary.IdOf(bytes);
        await db.StringSetAsync(KeyCatalog.DictionaryKey(id), bytes);
        await db.SortedSetAddAsync(KeyCatalog.DictionariesKey, DictionaryStore.Hex(id), double.PositiveInfinity);
    }

    /// <summary>A well-formed codec-3 record of <paramref name="host"/> whose header names dictionary <paramref name="id"/>.</summary>
    private static byte[] RecordUsing(uint id, string host)
    {
        using var real = new CompressionDictionary(Sysctl("dictionary.example.org"));
        var record = RecordEncoder.Encode(Sysctl(host), FileStat.None, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), PayloadCodec.ZstdDictionary, dictionary: real);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(84), id);
        return HostileInputTests.Resealed(record);
    }

    private static async Task PutRawAsync(IDatabase db, string host, byte[] record)
    {
        await db.StringSetAsync(ObjectKey.Make(host, "cmd/sysctl-a"), record);
        await Task.WhenAll(KeyCatalog.Add(db, host, "cmd/sysctl-a", double.PositiveInfinity));
    }

    private static void AssertGoodHostsAnswered(CliRun run)
    {
        Assert.Equal(2, run.Exit);
        Assert.Equal(GoodHosts.Select(h => $"{h}:net.core.somaxconn = 4096"), run.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    private static void AssertNamed(CliRun run, string host, params string[] words) =>
        Assert.Contains(run.Stderr.Split('\n'), l => l.Contains(host + "#cmd/sysctl-a", StringComparison.Ordinal) && words.All(w => l.Contains(w, StringComparison.Ordinal)));

    [Fact]
    public async Task A_malformed_dictionary_makes_only_its_records_corrupt()
    {
        // zstd's dictionary magic and an id, then entropy tables that do not parse: zstd refuses to load it.
        byte[] malformed = [0x37, 0xA4, 0x30, 0xEC, 1, 2, 3, 4, .. Enumerable.Repeat((byte)0xFF, 4096)];
        var id = CompressionDictionary.IdOf(malformed);
        await WithDb(1, async db =>
        {
            await StoreDictionaryAsync(db, malformed);
            await PutRawAsync(db, "bad.example.org", RecordUsing(id, "bad.example.org"));
        });
        var run = await Cli("grep", "sysctl-a", "somaxconn", "-H", "--server", Url(1));
        AssertGoodHostsAnswered(run);
        AssertNamed(run, "bad.example.org", $"#dict:{id:x8}", "malformed", "dict train");
    }

    [Fact]
    public async Task Dictionaries_over_the_size_limit_are_not_fetched_and_only_their_records_are_corrupt()
    {
        // 140 MB: more than any reply the client accepts; 2 MiB: a reply it accepts, over the dictionary limit.
        var huge = new byte[140_000_000];
        var big = new byte[2 << 20];
        new Random(1).NextBytes(huge.AsSpan(0, 4096));
        new Random(2).NextBytes(big.AsSpan(0, 4096));
        var (hugeId, bigId) = (CompressionDictionary.IdOf(huge), CompressionDictionary.IdOf(big));
        await WithDb(2, async db =>
        {
            await StoreDictionaryAsync(db, huge);
            await StoreDictionaryAsync(db, big);
            await PutRawAsync(db, "huge.example.org", RecordUsing(hugeId, "huge.example.org"));
            await PutRawAsync(db, "big.example.org", RecordUsing(bigId, "big.example.org"));
        });
        var run = await Cli("grep", "sysctl-a", "somaxconn", "-H", "--server", Url(2));
        AssertGoodHostsAnswered(run);
        AssertNamed(run, "huge.example.org", $"#dict:{hugeId:x8}", "140000000 bytes", "limit", "dict train");
        AssertNamed(run, "big.example.org", $"#dict:{bigId:x8}", $"{2 << 20} bytes", "limit", "dict train");
    }

    [Fact]
    public async Task A_dictionary_over_the_size_limit_is_never_stored()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var db = mux.GetDatabase(3);
        using var oversized = new CompressionDictionary(new byte[CompressionDictionary.MaxStoredSize + 1]);
        var e = await Assert.ThrowsAsync<SysopsFastException>(() => DictionaryStore.PublishAsync(db, "cmd/sysctl-a", oversized, null));
        Assert.Contains($"#dict:{oversized.Id:x8}", e.Message, StringComparison.Ordinal);
        Assert.False(await db.KeyExistsAsync(KeyCatalog.DictionaryKey(oversized.Id)));
        Assert.False(await db.KeyExistsAsync(DictionaryStore.CurrentKey));
    }

    [Fact]
    public async Task Contents_that_do_not_match_the_header_md5_are_refused_where_contents_are_handed_on_whole()
    {
        var forged = RecordEncoder.Encode(Sysctl("forged.example.org"), FileStat.None, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), PayloadCodec.Lz4);
        forged[24] ^= 0xFF;
        await WithDb(4, db => PutRawAsync(db, "forged.example.org", HostileInputTests.Resealed(forged)));
        var tree = Path.Combine(Path.GetTempPath(), $"sysops-fast-md5-{Guid.NewGuid():N}");
        try
        {
            var dump = await Cli("dump", tree, "-o", "sysctl-a", "--server", Url(4));
            Assert.Equal(2, dump.Exit);
            AssertNamed(dump, "forged.example.org", "md5");
            Assert.False(File.Exists(Path.Combine(tree, "forged.example.org", "#cmd", "sysctl-a")));
            Assert.True(File.Exists(Path.Combine(tree, GoodHosts[0], "#cmd", "sysctl-a")));

            var search = await Cli("search", "sysctl-a", "--contents", "--server", Url(4));
            Assert.Equal(2, search.Exit);
            AssertNamed(search, "forged.example.org", "md5");
        }
        finally
        {
            if (Directory.Exists(tree))
            {
                Directory.Delete(tree, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Fleet_generate_with_fewer_hosts_than_a_dictionary_needs_writes_lz4()
    {
        var generate = await Cli("fleet", "generate", "--hosts", "3", "--server", Url(5));
        Assert.Equal(0, generate.Exit);
        var grep = await Cli("grep", "sysctl-a", "net.core.netdev_budget", "-c", "--server", Url(5));
        Assert.Equal(0, grep.Exit);
        Assert.Equal(3, grep.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
