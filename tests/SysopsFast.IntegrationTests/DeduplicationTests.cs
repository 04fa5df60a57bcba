using System.Text;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Pipeline;
using SysopsFast.Redis;
using StackExchange.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>grep fetches one record per distinct md5 when that saves bytes, and counts every host.</summary>
public sealed class DeduplicationTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private ServerAddress Server(int db) => ServerAddress.Parse($"redis://{redis.Address}/{db}");

    /// <summary>95% of the hosts hold the same 20 KB file; the others each hold their own variant.</summary>
    private async Task<(int Same, int Different)> WriteAsync(int db)
    {
        const int Same = 190, Different = 10;
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var writer = new RecordWriter(mux.GetDatabase(db), null);
        var common = string.Concat(Enumerable.Range(0, 400).Select(i => $"setting.{i} = value {i * 7 % 13}\n"));
        for (var h = 0; h < Same + Different; h++)
        {
            var text = h < Same ? common + "net.core.somaxconn = 4096\n" : common + $"net.core.somaxconn = {h}\n";
            await writer.SetAsync($"host{h:D3}.example.com#/etc/common.conf", RecordEncoder.Encode(Encoding.UTF8.GetBytes(text), FileStat.None, 1, PayloadCodec.None));
        }
        await writer.FlushAsync();
        return (Same, Different);
    }

    [Fact]
    public async Task Identical_contents_are_fetched_once_and_every_host_is_counted()
    {
        var (same, different) = await WriteAsync(1);
        var request = new GrepRequest("common.conf", "somaxconn");

        await using var deduplicated = new FleetQuery([Server(1)]);
        var (counts, result) = await deduplicated.GrepUniqAsync(request);
        await using var plain = new FleetQuery([Server(1)], new ExtractOptions { DeduplicateIdenticalContents = false });
        var (plainCounts, plainResult) = await plain.GrepUniqAsync(request);

        Assert.Equal(plainCounts, counts);
        Assert.Equal(same, counts.Single(c => c.Line == "net.core.somaxconn = 4096").Count);
        Assert.Equal(same + different, result.Summary.RecordsRead);
        Assert.Equal(same - 1, result.Summary.KeysDeduplicated);
        Assert.Equal(0, plainResult.Summary.KeysDeduplicated);
        Assert.True(result.Summary.BytesFetched * 5 < plainResult.Summary.BytesFetched, $"{result.Summary.BytesFetched} vs {plainResult.Summary.BytesFetched} bytes");
    }

    [Fact]
    public async Task Dump_gets_every_record_with_its_own_header()
    {
        await WriteAsync(2);
        await using var query = new FleetQuery([Server(2)]);
        var collected = 0;
        var summary = await query.RunAsync("common.conf", new CountingProcessor(() => Interlocked.Increment(ref collected)));
        Assert.Equal(0, summary.KeysDeduplicated);
        Assert.Equal(200, collected);
    }

    [Fact]
    public async Task A_corrupt_record_standing_for_identical_ones_names_them_all()
    {
        await WriteAsync(3);
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            // The same damage to all 190 identical records: whichever one is fetched for the group is corrupt.
            var db = mux.GetDatabase(3);
            for (var h = 0; h < 190; h++)
            {
                var key = $"host{h:D3}.example.com#/etc/common.conf";
                var value = (byte[])(await db.StringGetAsync(key))!;
                value[^5] ^= 0x20;
                await db.StringSetAsync(key, value);
            }
        }
        await using var query = new FleetQuery([Server(3)]);
        var (counts, result) = await query.GrepUniqAsync(new GrepRequest("common.conf", "somaxconn"));
        Assert.Equal(190, result.Summary.Corrupt.Count);
        Assert.Single(result.Summary.Corrupt, c => c.Reason.Contains("checksum", StringComparison.Ordinal));
        Assert.Equal(189, result.Summary.Corrupt.Count(c => c.Reason.Contains("md5", StringComparison.Ordinal)));
        Assert.Equal(10, counts.Sum(c => c.Count));
    }

    /// <summary>
    /// The group's record is fetched an instant after its header was read; a host that pushes in
    /// between must not hand its new contents to the other hosts of its old group.
    /// </summary>
    [Fact]
    public async Task A_record_re_pushed_between_the_header_read_and_the_fetch_does_not_answer_for_its_group()
    {
        const int Hosts = 20;
        var filler = string.Concat(Enumerable.Range(0, 400).Select(i => $"setting.{i} = value {i * 7 % 13}\n"));
        byte[] Contents(int version) => Encoding.UTF8.GetBytes(filler + $"version = {version}\n");
        static string Host(int h) => $"dup{h:D2}.example.com";
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var db = mux.GetDatabase(4);
        for (var h = 0; h < Hosts; h++)
        {
            await QueryFleet.PutAsync(db, Host(h), "/etc/dup.conf", Contents(1), codec: PayloadCodec.None);
        }
        // The page lists hosts in catalog order, so dup00 is the one fetched for the group: it
        // pushes new contents between the header read (EVAL) and the MGET.
        await using var proxy = new InterceptingProxy(redis.Address, "\r\nMGET\r\n",
            () => QueryFleet.PutAsync(db, Host(0), "/etc/dup.conf", Contents(2), codec: PayloadCodec.None));

        var lines = new HostLines();
        await using var query = new FleetQuery([ServerAddress.Parse($"redis://{proxy.Address}/4")]);
        var result = await query.GrepAsync(new GrepRequest("dup.conf", "version"), lines);
        Assert.True(proxy.Fired);
        Assert.Equal(Hosts, result.Summary.RecordsRead);
        Assert.Equal(0, result.Summary.KeysDeduplicated); // the group's other 19 were fetched one by one
        var expected = Enumerable.Range(0, Hosts).ToDictionary(Host, h => h == 0 ? "version = 2" : "version = 1");
        Assert.Equal(expected, lines.Lines);
    }

    /// <summary>Each host's selected line (one per host here).</summary>
    private sealed class HostLines : IGrepSinkFactory
    {
        public Dictionary<string, string> Lines { get; } = [];

        public IGrepSink CreateForWorker() => new Sink(this);

        public void Complete(IReadOnlyList<IGrepSink> workerSinks)
        {
        }

        private sealed class Sink(HostLines owner) : IGrepSink
        {
            private string _host = "";

            public void BeginRecord(ReadOnlySpan<byte> key) => _host = Encoding.UTF8.GetString(ObjectKey.HostOf(key));

            public bool Matched(ReadOnlySpan<byte> line)
            {
                lock (owner)
                {
                    owner.Lines.Add(_host, Encoding.UTF8.GetString(line));
                }
                return true;
            }

            public void EndRecord(long selectedLines) { }
        }
    }

    private sealed class CountingProcessor(Action counted) : IRecordProcessorFactory, IRecordProcessor
    {
        public IRecordProcessor CreateForWorker() => this;

        public void Complete(IReadOnlyList<IRecordProcessor> processors)
        {
        }

        public bool Process(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content)
        {
            counted();
            return true;
        }
    }
}
