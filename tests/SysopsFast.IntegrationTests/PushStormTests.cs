using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Redis;
using SysopsFast.Storm;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// bench/macro/push-storm.sh at CI size: 200 synthetic hosts pushing 16 at once, twice, through the
/// library's push path, while the headline query runs every 20 ms.
/// </summary>
public sealed class PushStormTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const int Hosts = 200;

    private StormOptions Options(int db, bool fill) => new()
    {
        Hosts = Hosts,
        Concurrency = 16,
        Rounds = 2,
        Server = ServerAddress.Parse($"redis://{redis.Address}/{db}"),
        Fill = fill,
        QueryEvery = TimeSpan.FromMilliseconds(20),
        IdleQueries = 3,
    };

    [Fact]
    public async Task A_storm_into_an_empty_server_loses_nothing_and_every_answer_during_it_is_some_hosts_answer()
    {
        var result = await PushStorm.RunAsync(Options(1, fill: false), TextWriter.Null, CancellationToken.None);

        Assert.Equal((Hosts * 10L, Hosts * 10L, 0L), (result.Audit.Expected, result.Audit.Matching, result.Audit.Mismatches));
        Assert.Equal((0L, 0L), (result.PushErrors, result.UnexpectedWrites));
        Assert.Equal(Hosts * 10, result.Rounds[0].Pushes.Sum(p => p.Written)); // every host's first push writes all
        Assert.NotEmpty(result.UnderLoad);
        Assert.All(result.UnderLoad, s => Assert.Null(s.Problem));
        Assert.Null(result.Final.Problem); // the final answer is exactly the generator's
        Assert.Equal(HeadlineAnswerCheck.Records(new SyntheticFleet(Hosts, 1).ExpectedUniq()), result.Final.Records);
        Assert.True(result.Passed);
    }

    [Fact]
    public async Task A_storm_over_the_generated_fleet_writes_only_what_changed_and_every_answer_during_it_is_exact()
    {
        var result = await PushStorm.RunAsync(Options(2, fill: true), TextWriter.Null, CancellationToken.None);

        Assert.Equal(0L, result.Audit.Mismatches);
        Assert.Equal(3, result.Idle.Count);
        foreach (var round in result.Rounds)
        {
            var written = round.Pushes.Sum(p => p.Written);
            Assert.Equal(round.Pushes.Sum(p => p.ExpectedWritten), written);
            Assert.InRange(written, 1, Hosts * 10 / 5); // about 5% change each round: the md5 skip (round 1) and the ledger (round 2) spare the rest
        }
        Assert.NotEmpty(result.UnderLoad);
        Assert.All(result.Idle.Concat(result.UnderLoad).Append(result.Final), s => Assert.Null(s.Problem));
        Assert.True(result.Passed);
    }

    /// <summary>
    /// The push-fed fleet as production gets its dictionaries: round 1 LZ4 (none exists), then
    /// `dict train`'s library call, then every host rewrites each object that got one (round 2)
    /// and afterwards only what changed (round 3); nothing lost, every answer exact.
    /// </summary>
    [Fact]
    public async Task A_storm_that_trains_dictionaries_after_its_first_round_rewrites_each_object_once_with_them()
    {
        var options = Options(4, fill: false) with { Rounds = 3, Dictionaries = true };
        var result = await PushStorm.RunAsync(options, TextWriter.Null, CancellationToken.None);

        Assert.Equal(SyntheticFleet.ObjectNames.Order(StringComparer.Ordinal), result.Training.Select(r => r.Object));
        Assert.All(result.Training, r => Assert.Equal(DictionaryVerdict.Published, r.Verdict));
        Assert.Equal(Hosts * 10, result.Rounds[1].Pushes.Sum(p => p.Written));
        Assert.InRange(result.Rounds[2].Pushes.Sum(p => p.Written), 1, Hosts * 10 / 5);
        Assert.True(result.Rounds[1].Pushes.Sum(p => p.BytesWritten) < result.Rounds[0].Pushes.Sum(p => p.BytesWritten) / 4, "records with dictionaries and bases are far smaller than LZ4's");
        Assert.Equal((0L, 0L, 0L), (result.Audit.Mismatches, result.PushErrors, result.UnexpectedWrites));
        Assert.Null(result.Final.Problem);
        Assert.True(result.Passed);

        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var stored = (byte[])(await mux.GetDatabase(4).StringGetAsync(ObjectKey.Make(SyntheticFleet.HostName(7), "cmd/sysctl-a")))!;
        Assert.True(RecordHeader.TryRead(stored, out var header, out var error), error);
        // dict train also published a line delta base for sysctl-a (its hosts differ in a few lines),
        // so the rewrite stored it as its differences from that base.
        var training = result.Training.Single(r => r.Object == "cmd/sysctl-a");
        Assert.NotEqual(0u, training.BaseId);
        Assert.Equal((PayloadCodec.LineDelta, training.BaseId), (header.Codec, header.DictionaryId));
    }

    /// <summary>The checks of answers during a storm are not vacuous either.</summary>
    [Fact]
    public void The_answer_check_refuses_an_inflated_count_a_half_counted_record_and_a_partial_answer_where_one_must_be_whole()
    {
        var expected = new SyntheticFleet(Hosts, 1).ExpectedUniq();
        var some = new HeadlineAnswerCheck(expected, exact: false);
        var whole = new HeadlineAnswerCheck(expected, exact: true);
        var clean = new GrepResult(new Pipeline.ExtractSummary { Servers = [], Corrupt = [] }, 0, 0);
        UniqCount Line(int i, long delta = 0) => expected[i] with { Count = expected[i].Count + delta };
        Assert.Null(whole.Judge(expected, clean));
        Assert.Null(some.Judge(expected, clean));

        var fewer = expected.Select(c => c.Line.StartsWith("net.core.netdev_budget = 300", StringComparison.Ordinal) || c.Line.EndsWith("= 8000", StringComparison.Ordinal) ? c with { Count = c.Count - 1 } : c).ToArray();
        Assert.Null(some.Judge(fewer, clean)); // one host (budget 300, usecs 8000) not pushed yet
        Assert.NotNull(whole.Judge(fewer, clean));
        Assert.Contains("more than", some.Judge([Line(0, 1), .. expected.Skip(1)], clean), StringComparison.Ordinal);
        Assert.Contains("netdev_budget_usecs lines", some.Judge([Line(0, -1), .. expected.Skip(1)], clean), StringComparison.Ordinal);
        Assert.Contains("corrupt", some.Judge(expected, clean with { Summary = clean.Summary with { Corrupt = [new("s", "h#cmd/sysctl-a", "bad checksum")] } }), StringComparison.Ordinal);
    }

    /// <summary>The final check is not vacuous: a record gone, one with other contents and one damaged are each counted.</summary>
    [Fact]
    public async Task The_final_check_counts_a_missing_a_different_and_a_corrupt_record()
    {
        var options = Options(3, fill: false) with { QueryEvery = null };
        Assert.True((await PushStorm.RunAsync(options, TextWriter.Null, CancellationToken.None)).Passed);
        using var snapshots = new HostSnapshots(new SyntheticFleet(Hosts, options.Seed), options.ChangedFraction);
        var keys = new List<string>();
        var md5s = new List<UInt128>();
        for (var h = 0; h < Hosts; h++)
        {
            keys.AddRange(SyntheticFleet.ObjectNames.Select(o => ObjectKey.Make(SyntheticFleet.HostName(h), o)));
            md5s.AddRange(snapshots.Build(h, options.Rounds, 0).Md5s);
        }

        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var db = mux.GetDatabase(3);
        await db.KeyDeleteAsync(keys[0]);
        await db.StringSetAsync(keys[11], RecordEncoder.Encode("other contents\n"u8, FileStat.None, 1));
        await db.StringSetAsync(keys[22], "not a record at all, though long enough to look for a header in it: " + new string('x', 200));

        await using var query = new FleetQuery(options.Server.ToString());
        var audit = await LatestRecordAudit.RunAsync(query, keys, [.. md5s], CancellationToken.None);
        Assert.Equal((1L, 1L, 1L, 3L), (audit.Missing, audit.WrongContents, audit.Corrupt, audit.Mismatches));
        Assert.Equal(Hosts * 10L - 3, audit.Matching);
    }
}
