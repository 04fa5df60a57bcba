using System.Text;
using SysopsFast.Cli.Commands;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Output;
using SysopsFast.Redis;
using StackExchange.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>The headline query against real servers: the answer must equal the generator's, exactly.</summary>
public abstract class FleetAnswerTests
{
    private readonly string _address;

    protected FleetAnswerTests(string address) => _address = address;

    private ServerAddress Server(int db) => ServerAddress.Parse($"redis://{_address}/{db}");

    [Fact]
    public async Task Generated_fleet_grep_uniq_equals_the_expected_answer()
    {
        var fleet = new SyntheticFleet(600, 7);
        await FleetGenerator.GenerateAsync(fleet, Server(1), PayloadCodec.Lz4, TimeSpan.FromHours(1), plain: false, CancellationToken.None);
        await using var query = new FleetQuery([Server(1)], new Pipeline.ExtractOptions { TargetBatchBytes = 64 * 1024 });
        var (counts, result) = await query.GrepUniqAsync(new GrepRequest("sysctl-a", "net.core.netdev_budget"));
        Assert.Equal(UniqPrinter.Text(fleet.ExpectedUniq()), UniqPrinter.Text(counts));
        Assert.Equal(600, result.Summary.RecordsRead);
        Assert.Empty(result.Summary.Corrupt);
    }

    [Theory]
    [InlineData(PayloadCodec.None)]
    [InlineData(PayloadCodec.Zstd)]
    [InlineData(PayloadCodec.ZstdDictionary)]
    public async Task Every_codec_gives_the_same_answer(PayloadCodec codec)
    {
        var fleet = new SyntheticFleet(150, 3);
        var db = codec switch { PayloadCodec.None => 2, PayloadCodec.Zstd => 3, _ => 13 };
        await FleetGenerator.GenerateAsync(fleet, Server(db), codec, null, plain: false, CancellationToken.None);
        await using var query = new FleetQuery([Server(db)]);
        var (counts, _) = await query.GrepUniqAsync(new GrepRequest("sysctl-a", "net.core.netdev_budget"));
        Assert.Equal(fleet.ExpectedUniq(), counts);
    }

    [Fact]
    public async Task Records_whose_dictionary_is_gone_are_reported_as_corrupt_not_miscounted()
    {
        var fleet = new SyntheticFleet(30, 4);
        await FleetGenerator.GenerateAsync(fleet, Server(14), PayloadCodec.ZstdDictionary, null, plain: false, CancellationToken.None);
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(_address))
        {
            var db = mux.GetDatabase(14);
            var ids = await db.SortedSetRangeByRankAsync(KeyCatalog.DictionariesKey);
            Assert.Equal(SyntheticFleet.ObjectNames.Length, ids.Length);
            foreach (var id in ids)
            {
                await db.KeyDeleteAsync($"#dict:{id}");
            }
        }
        await using var query = new FleetQuery([Server(14)]);
        var (counts, result) = await query.GrepUniqAsync(new GrepRequest("sysctl-a", "net.core.netdev_budget"));
        Assert.Empty(counts);
        Assert.Equal(30, result.Summary.Corrupt.Count);
        Assert.All(result.Summary.Corrupt, c => Assert.Contains("not found", c.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Corrupt_record_is_named_skipped_and_exits_2()
    {
        var fleet = new SyntheticFleet(40, 5);
        await FleetGenerator.GenerateAsync(fleet, Server(4), PayloadCodec.Lz4, null, plain: false, CancellationToken.None);
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(_address))
        {
            var db = mux.GetDatabase(4);
            var key = ObjectKey.Make(SyntheticFleet.HostName(3), "cmd/sysctl-a");
            var value = (byte[])(await db.StringGetAsync(key))!;
            await db.StringSetAsync(key, value.AsMemory(0, value.Length / 2).ToArray());
        }
        using var stdout = new MemoryStream();
        var stderr = new StringWriter();
        var exit = await GrepHandler.RunAsync(new GrepArguments("sysctl-a", "net.core.netdev_budget =") { Uniq = true, Servers = [Server(4)] }, stdout, stderr, CancellationToken.None);
        Assert.Equal(2, exit);
        Assert.Contains($"'{SyntheticFleet.HostName(3)}#cmd/sysctl-a'", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("truncated payload", stderr.ToString(), StringComparison.Ordinal);
        var total = Encoding.UTF8.GetString(stdout.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Sum(l => long.Parse(l.Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(39, total);
    }

    [Fact]
    public async Task Exit_codes_and_messages_follow_grep()
    {
        var fleet = new SyntheticFleet(10, 9);
        await FleetGenerator.GenerateAsync(fleet, Server(5), PayloadCodec.Lz4, null, plain: false, CancellationToken.None);
        var servers = new[] { Server(5) };

        using var stdout = new MemoryStream();
        var stderr = new StringWriter();
        Assert.Equal(0, await GrepHandler.RunAsync(new GrepArguments("sysctl-a", "kernel.hostname") { PrefixHostnames = true, Servers = servers }, stdout, stderr, CancellationToken.None));
        var lines = Encoding.UTF8.GetString(stdout.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10, lines.Length);
        Assert.All(lines, l => Assert.Matches(@"^(eat1|lva1|ltx1)-app\d{5}\.example\.com:kernel\.hostname = \w+-app\d{5}$", l));

        Assert.Equal(1, await GrepHandler.RunAsync(new GrepArguments("sysctl-a", "no such text") { Servers = servers }, Stream.Null, TextWriter.Null, CancellationToken.None));

        var e = await Assert.ThrowsAsync<SysopsFastException>(() => GrepHandler.RunAsync(new GrepArguments("no-such-object", "x") { Servers = servers }, Stream.Null, TextWriter.Null, CancellationToken.None));
        Assert.Contains(servers[0].ToString(), e.Message, StringComparison.Ordinal);
    }
}

public sealed class RedisFleetAnswerTests(RedisServerFixture redis) : FleetAnswerTests(redis.Address), IClassFixture<RedisServerFixture>;

public sealed class GarnetFleetAnswerTests(GarnetServerFixture garnet) : FleetAnswerTests(garnet.Address), IClassFixture<GarnetServerFixture>;
