using System.Text;
using StackExchange.Redis;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Query;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// A fleet with known histories: each (host, object) has 1 to 6 versions at seeded times, each a
/// small edit of the one before, some entries self-contained, some records LZ4 and some plain; or,
/// with <c>lineDelta</c>, every current record codec 4 against a published base per object.
/// </summary>
internal sealed class HistoryFleetModel
{
    private readonly bool _lineDelta;

    public static readonly string[] Objects = ["/etc/app.conf", "cmd/pkgs"];

    public Dictionary<string, (byte[] Content, long InsertedMs)[]> Versions { get; } = new(StringComparer.Ordinal);

    private readonly Dictionary<string, (PayloadCodec Codec, int SelfContained)> _form = new(StringComparer.Ordinal);

    public HistoryFleetModel(string prefix, int hosts, int seed, bool lineDelta = false)
    {
        _lineDelta = lineDelta;
        var random = new Random(seed);
        for (var h = 0; h < hosts; h++)
        {
            foreach (var objectName in Objects)
            {
                var key = $"{prefix}{h:00}.example.org#{objectName}";
                var count = random.Next(1, 7);
                // Host 0 exists from the first instant, so every time tested has an answer.
                var at = HistoryFleet.T0 + (h == 0 ? 0 : random.Next(0, 10 * 3600) * 1000L);
                var lines = Enumerable.Range(0, 8).Select(k => $"setting_{k} = {random.Next(3)}").ToList();
                var versions = new List<(byte[], long)>();
                for (var v = 0; v < count; v++)
                {
                    if (v > 0)
                    {
                        Edit(lines, random);
                        at += random.Next(600, 3 * 3600) * 1000L;
                    }
                    versions.Add((Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"), at));
                }
                Versions[key] = [.. versions];
                _form[key] = (random.Next(2) == 0 ? PayloadCodec.Lz4 : PayloadCodec.None, random.Next(count + 2));
            }
        }
    }

    private static void Edit(List<string> lines, Random random)
    {
        switch (random.Next(3))
        {
            case 0:
                lines[random.Next(lines.Count)] = $"setting_{random.Next(10)} = {random.Next(3)}";
                break;
            case 1:
                lines.Insert(random.Next(lines.Count + 1), $"setting_{random.Next(10)} = {random.Next(3)}");
                break;
            default:
                if (lines.Count > 2)
                {
                    lines.RemoveAt(random.Next(lines.Count));
                }
                break;
        }
    }

    /// <summary>Every key with its whole history, as push keeps it; returns how many entries are relative.</summary>
    public async Task<int> WriteAsync(IDatabase db)
    {
        var relative = 0;
        var bases = _lineDelta ? await PublishBasesAsync(db) : null;
        foreach (var (key, versions) in Versions)
        {
            var (codec, selfContained) = _form[key];
            await HistoryFleet.PutAsync(db, key, versions, codec, i => i == selfContained);
            if (bases is not null)
            {
                // The same current version, as a line delta record: its history was built against the same contents.
                var (content, insertedMs) = versions[^1];
                var encoder = bases[ObjectKey.Split(key).Object];
                await db.StringSetAsync(key, RecordEncoder.EncodeLineDelta(content, HistoryFleet.Stat with { Size = content.Length }, insertedMs, encoder));
            }
            foreach (var entry in await db.ListRangeAsync(HistoryKey.Of(key)))
            {
                relative += RecordHeader.TryRead((byte[])entry!, out var header, out _, versionEntry: true) && (header.Flags & RecordFlags.Relative) != 0 ? 1 : 0;
            }
        }
        return relative;
    }

    /// <summary>A base per object, the first host's oldest version, stored and listed for readers.</summary>
    private async Task<Dictionary<string, LineDeltaEncoder>> PublishBasesAsync(IDatabase db)
    {
        var bases = Objects.ToDictionary(o => o, o => new LineDeltaEncoder(new LineBase(Versions.First(v => v.Key.EndsWith("#" + o, StringComparison.Ordinal)).Value[0].Content)), StringComparer.Ordinal);
        foreach (var encoder in bases.Values)
        {
            await DictionaryStore.StoreAsync(db, SharedKind.Base, encoder.Base.Id, encoder.Base.ToRecord(), life: null);
        }
        return bases;
    }

    /// <summary>Exactly the snapshot at <paramref name="asOfMs"/>: each key's version current then, no history; a key with none is absent.</summary>
    public async Task WriteSnapshotAsync(IDatabase db, long asOfMs)
    {
        foreach (var (key, versions) in Versions)
        {
            var then = versions.LastOrDefault(v => v.InsertedMs <= asOfMs);
            if (then.Content is not null)
            {
                await HistoryFleet.PutAsync(db, key, [then], _form[key].Codec);
            }
        }
    }

    /// <summary>Times to ask at: each version's own time, a millisecond before and after, and the end.</summary>
    public long[] Times(int count, int seed)
    {
        var all = Versions.Values.SelectMany(v => v.Select(x => x.InsertedMs)).Distinct().Order().ToArray();
        var random = new Random(seed);
        var picked = Enumerable.Range(0, count).Select(_ => all[random.Next(all.Length)] + random.Next(-1, 2)).Where(t => t >= HistoryFleet.T0);
        return [HistoryFleet.T0, .. picked, all[^1] + 1];
    }
}

/// <summary>
/// --as-of is exact: on a real redis-server holding a fleet with known histories, every query as
/// of a time answers what the same query answers on a server holding exactly the snapshot at that
/// time (many times: each version's own, a millisecond either side).
/// </summary>
public sealed class AsOfDifferentialTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const int HistoryDb = 6;
    private const int SnapshotDb = 7;

    [Fact]
    public Task Every_query_as_of_a_time_equals_the_same_query_on_the_snapshot_at_that_time() =>
        AssertAsOfEqualsSnapshotAsync(new HistoryFleetModel("ao", hosts: 24, seed: 19), "ao", HistoryDb, SnapshotDb);

    /// <summary>Current records of codec 4: versions of relative chains are composed from ops (issue 19), the others rebuilt.</summary>
    [Fact]
    public Task Every_query_as_of_a_time_on_line_delta_records_equals_the_same_query_on_the_snapshot() =>
        AssertAsOfEqualsSnapshotAsync(new HistoryFleetModel("ad", hosts: 24, seed: 23, lineDelta: true), "ad", HistoryDb + 4, SnapshotDb + 4);

    private async Task AssertAsOfEqualsSnapshotAsync(HistoryFleetModel model, string prefix, int historyDb, int snapshotDb)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address + ",allowAdmin=true");
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        await server.FlushDatabaseAsync(historyDb);
        var relative = await model.WriteAsync(mux.GetDatabase(historyDb));
        Assert.True(relative > 10, $"only {relative} relative entries");
        var times = model.Times(14, seed: 7);
        // The same queries on the latest data differ from the snapshot at most of these times: the comparison can fail.
        var differ = 0;
        await using var latest = new FleetQuery($"redis://{redis.Address}/{historyDb}");
        foreach (var t in times)
        {
            await server.FlushDatabaseAsync(snapshotDb);
            await model.WriteSnapshotAsync(mux.GetDatabase(snapshotDb), t);
            await using var asOf = new FleetQuery($"redis://{redis.Address}/{historyDb}") { AsOf = DateTimeOffset.FromUnixTimeMilliseconds(t) };
            await using var snapshot = new FleetQuery($"redis://{redis.Address}/{snapshotDb}");
            var expected = await AnswersAsync(snapshot, prefix);
            var actual = await AnswersAsync(asOf, prefix);
            Assert.True(expected.Count > 0);
            differ += (await AnswersAsync(latest, prefix)).SequenceEqual(expected) ? 0 : 1;
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.True(expected[i] == actual[i], $"as of {DateTimeOffset.FromUnixTimeMilliseconds(t):O}, answer {i}:\nexpected\n{expected[i]}\nactual\n{actual[i]}");
            }
        }
        Assert.True(differ >= times.Length - 2, $"the latest data answered as the snapshot at {times.Length - differ} of {times.Length} times");
    }

    [Fact]
    public async Task The_cli_says_how_many_keys_had_no_version_then_and_refuses_a_bad_time()
    {
        var model = new HistoryFleetModel("ac", hosts: 6, seed: 3);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address + ",allowAdmin=true");
        await mux.GetServer(mux.GetEndPoints()[0]).FlushDatabaseAsync(HistoryDb + 2);
        await model.WriteAsync(mux.GetDatabase(HistoryDb + 2));
        var url = $"redis://{redis.Address}/{HistoryDb + 2}";
        var absent = model.Versions.Count(v => v.Value[0].InsertedMs > HistoryFleet.T0);
        Assert.True(absent > 0);

        var (exit, stdout, stderr) = await CliProcessTests.Run("list-files", "--as-of", "2026-12-01T10:00Z", "--server", url);
        Assert.True(exit == 0, stderr);
        Assert.Contains($"{absent} key(s) left out: created after 2026-12-01T10:00:00Z", stderr, StringComparison.Ordinal);
        var files = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToArray();
        var expected = HistoryFleetModel.Objects.Select(o => $"{model.Versions.Count(v => v.Key.EndsWith("#" + o, StringComparison.Ordinal) && v.Value[0].InsertedMs <= HistoryFleet.T0)} {o}").Where(l => !l.StartsWith("0 ", StringComparison.Ordinal));
        Assert.Equal(expected, files);

        (exit, stdout, stderr) = await CliProcessTests.Run("search", "app.conf", "--as-of", "yesterday-ish", "--server", url);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("is not a time", stderr, StringComparison.Ordinal);
    }

    /// <summary>What each query command answers, as text: search, list-files' headers, grep --uniq, kv, compare-all.</summary>
    internal static async Task<List<string>> AnswersAsync(FleetQuery query, string prefix)
    {
        var answers = new List<string>();
        var keys = await query.SearchAsync(prefix + "*#*");
        answers.Add(string.Join('\n', keys.Items));
        var headers = await query.ReadMetadataAsync(prefix + "*#*");
        answers.Add(string.Join('\n', Enumerable.Range(0, headers.Items.Count).Select(i => headers.Items[i]).Select(m =>
            $"{m.Key} {m.Md5Hex} {m.Header.InsertedUnixMs} {m.Header.Stat} {m.Header.Lines} {m.Header.Words} {m.Header.RawLength}")));
        var (counts, _) = await query.GrepUniqAsync(new GrepRequest($"{prefix}*#/etc/app.conf", "setting_[1-4] = [01]"), sampleHosts: int.MaxValue);
        answers.Add(string.Join('\n', counts.Select(c => $"{c.Count} {c.Line} {string.Join(",", (c.Hosts ?? []).Order(StringComparer.Ordinal))}")));
        var kv = await query.KeyValuesAsync(new KeyValueRequest($"{prefix}*#/etc/app.conf"));
        answers.Add(string.Join('\n', kv.Items.Select(r => $"{r.Key}: {string.Join(", ", r.Values.Select(v => $"{v.Value}×{v.Count}"))}")));
        var groups = new List<string>();
        await query.Comparison.CompareAllAsync($"{prefix}*#cmd/pkgs", new CompareOptions(), (g, _, _) =>
            groups.Add($"{g.Group.Md5Hex} {string.Join(',', g.Group.Members.Select(m => m.Key))}\n{(g.Diff is null ? "" : Encoding.UTF8.GetString(g.Diff))}"));
        answers.Add(string.Join('\n', groups));
        return answers;
    }
}
