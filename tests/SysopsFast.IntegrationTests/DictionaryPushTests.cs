using System.Globalization;
using System.Text.RegularExpressions;
using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Output;
using SysopsFast.Pipeline;
using SysopsFast.Push;
using SysopsFast.Redis;
using SysopsFast.Topology;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// `dict train` and push with dictionaries (docs/FORMAT.md, "Compression dictionaries"), each test
/// against redis-servers of its own (INFO commandstats counts per server): a synthetic fleet pushed
/// through the library's push path as hosts push it (LZ4 first: no dictionary exists), trained,
/// then pushed again with what training published.
/// </summary>
public sealed class DictionaryPushTests : IAsyncLifetime
{
    private const int Hosts = 40;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly SyntheticFleet _fleet = new(Hosts, 7);
    private readonly PushLedger[] _ledgers = Enumerable.Range(0, Hosts).Select(_ => PushLedger.InMemory()).ToArray();
    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-dict-").FullName;
    private readonly RedisConnections _connections = new();
    private readonly long _inserted = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private readonly List<RedisProcess> _servers = [];
    private ConnectionMultiplexer? _mux;

    private RedisProcess Redis => _servers[0];

    private ServerAddress Server => ServerAddress.Parse(Redis.Address);

    private IDatabase Db => _mux!.GetDatabase();

    public async Task InitializeAsync()
    {
        _servers.Add(await RedisProcess.StartAsync());
        _mux = await ConnectionMultiplexer.ConnectAsync(Redis.Address + ",allowAdmin=true"); // CONFIG RESETSTAT
    }

    public async Task DisposeAsync()
    {
        await _connections.DisposeAsync();
        _mux?.Dispose();
        foreach (var s in _servers)
        {
            await s.DisposeAsync();
        }
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Train_publishes_a_dictionary_per_object_and_push_then_compresses_with_it_and_queries_answer_exactly()
    {
        using var cache = DictionaryCache.OnDisk(Path.Combine(_work, "cache"));
        var first = await PushAsync(All, [Server], TimeSpan.FromHours(1), cache);
        Assert.All(first, o => Assert.Equal((10, 0, 0), (o.Written, o.WithDictionary, o.Unchanged)));

        var rows = await TrainAsync(Server);
        Assert.Equal(SyntheticFleet.ObjectNames.Order(StringComparer.Ordinal), rows.Select(r => r.Object));
        Assert.All(rows, r =>
        {
            Assert.Equal((DictionaryVerdict.Published, 0u, Hosts, Hosts), (r.Verdict, r.CurrentId, r.Hosts, r.Samples));
            Assert.Equal(Hosts / DictionaryTrial.HeldOutEvery, r.HeldOut);
            Assert.True(r.NewBytes < r.CurrentBytes, DictionaryPrinter(r));
            Assert.Empty(r.Failures);
        });
        var current = await CurrentAsync(Db);
        Assert.Equal(rows.ToDictionary(r => r.Object, r => r.NewId), current);

        var second = await PushAsync(All, [Server], TimeSpan.FromHours(1), cache);
        Assert.All(second, o => Assert.Equal((10, 10, null), (o.Written, o.WithDictionary, o.Note)));
        Assert.EndsWith("ok, 10 written, 0 unchanged (expiry refreshed), 10 with a dictionary", second[0].ToString(), StringComparison.Ordinal);
        foreach (var name in SyntheticFleet.ObjectNames)
        {
            Assert.All(await HeadersAsync(Db, name), h => Assert.Equal((PayloadCodec.ZstdDictionary, current[name]), (h.Codec, h.DictionaryId)));
        }
        await AssertExactAnswerAsync(Server);

        // Unchanged now means the same contents with the same dictionary: only refreshed, by the
        // ledger, and without one by the stored header.
        Assert.All(await PushAsync(All, [Server], TimeSpan.FromHours(1), cache), o => Assert.Equal((0, 10, 10), (o.Written, o.Unchanged, o.WithDictionary)));
        Assert.All(await PushAsync(All, [Server], TimeSpan.FromHours(1), cache, ledger: false), o => Assert.Equal((0, 10), (o.Written, o.Unchanged)));
    }

    [Fact]
    public async Task A_push_with_a_warm_disk_cache_fetches_no_dictionary_and_a_cold_one_fetches_each_once()
    {
        await SeedAndTrainAsync();
        var directory = Path.Combine(_work, "cache");
        await ResetStatsAsync(Db);
        using (var cold = DictionaryCache.OnDisk(directory))
        {
            Assert.Equal(10, (await PushAsync([0], [Server], TimeSpan.FromHours(1), cold)).Single().WithDictionary);
        }
        Assert.Equal(10 + HeaderReads, await CallsAsync(Db, "getrange"));
        Assert.Equal(10, Directory.GetFiles(directory).Length);
        Assert.All(Directory.GetFiles(directory), f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));

        // A later run (a new cache over the same directory): every dictionary read from disk.
        await ResetStatsAsync(Db);
        using (var warm = DictionaryCache.OnDisk(directory))
        {
            Assert.Equal(10, (await PushAsync([1], [Server], TimeSpan.FromHours(1), warm)).Single().WithDictionary);
        }
        Assert.Equal(HeaderReads, await CallsAsync(Db, "getrange"));
        var current = await CurrentAsync(Db);
        Assert.Equal(current["cmd/sysctl-a"], (await HeaderAsync(Db, 1, "cmd/sysctl-a")).DictionaryId);
    }

    [Fact]
    public async Task A_damaged_cached_dictionary_is_fetched_again_and_rewritten()
    {
        await SeedAndTrainAsync();
        var directory = Path.Combine(_work, "cache");
        using (var cache = DictionaryCache.OnDisk(directory))
        {
            await PushAsync([0], [Server], TimeSpan.FromHours(1), cache);
        }
        var id = (await CurrentAsync(Db))["cmd/sysctl-a"];
        var file = Path.Combine(directory, DictionaryStore.Hex(id));
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[bytes.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(file, bytes);

        await ResetStatsAsync(Db);
        using (var cache = DictionaryCache.OnDisk(directory))
        {
            Assert.Equal(10, (await PushAsync([1], [Server], TimeSpan.FromHours(1), cache)).Single().WithDictionary);
        }
        Assert.Equal(1 + HeaderReads, await CallsAsync(Db, "getrange"));
        Assert.Equal(id, CompressionDictionary.IdOf(await File.ReadAllBytesAsync(file)));
        Assert.Equal((PayloadCodec.ZstdDictionary, id), ((await HeaderAsync(Db, 1, "cmd/sysctl-a")).Codec, (await HeaderAsync(Db, 1, "cmd/sysctl-a")).DictionaryId));
        await AssertExactAnswerAsync(Server);
    }

    [Fact]
    public async Task Retraining_after_the_contents_drift_makes_the_records_smaller_and_without_drift_keeps_the_dictionary()
    {
        using var cache = DictionaryCache.InMemory();
        await SeedAndTrainAsync(cache);
        await PushAsync(All, [Server], TimeSpan.FromHours(1), cache);
        var trained = await SizeAsync(Db, "cmd/sysctl-a");

        // Nothing drifted: the new dictionary saves nothing worth every host's rewrite.
        var again = (await TrainAsync(Server)).Single(r => r.Object == "cmd/sysctl-a");
        Assert.Equal(DictionaryVerdict.Kept, again.Verdict);
        Assert.Equal((await CurrentAsync(Db))["cmd/sysctl-a"], again.CurrentId);

        // A new kernel: 300 more settings on every host, which the dictionary does not hold.
        await PushAsync(All, [Server], TimeSpan.FromHours(1), cache, drift: 300);
        var drifted = await SizeAsync(Db, "cmd/sysctl-a");
        Assert.True(drifted > trained * 2, $"{drifted} vs {trained} bytes: the drift should cost the old dictionary dearly");

        var rows = await TrainAsync(Server);
        var retrained = rows.Single(r => r.Object == "cmd/sysctl-a");
        Assert.Equal(DictionaryVerdict.Published, retrained.Verdict);
        Assert.Equal(again.CurrentId, retrained.CurrentId);
        Assert.True(retrained.NewBytes < retrained.CurrentBytes / 2, DictionaryPrinter(retrained));

        var rewritten = await PushAsync(All, [Server], TimeSpan.FromHours(1), cache, drift: 300);
        // The objects whose dictionary changed: sysctl-a, and any other whose new training happened to
        // do 5% better on its held-out samples (training is not deterministic across runs).
        Assert.All(rewritten, o => Assert.Equal(rows.Count(r => r.Verdict == DictionaryVerdict.Published), o.Written));
        var smaller = await SizeAsync(Db, "cmd/sysctl-a");
        Assert.True(smaller < drifted / 2, $"{smaller} vs {drifted} bytes after retraining");
        Assert.All(await HeadersAsync(Db, "cmd/sysctl-a"), h => Assert.Equal(retrained.NewId, h.DictionaryId));
        await AssertExactAnswerAsync(Server);
    }

    [Fact]
    public async Task A_dictionary_lives_at_least_as_long_as_every_record_written_or_refreshed_with_it()
    {
        // Records for two days: longer than the day `dict train` gives a dictionary it publishes,
        // so what the dictionary's life is here is the pushers' doing.
        var days = TimeSpan.FromDays(2);
        using var cache = DictionaryCache.InMemory();
        await SeedAndTrainAsync(cache);
        await PushAsync(All, [Server], days, cache);
        var old = (await CurrentAsync(Db))["cmd/sysctl-a"];
        await AssertOutlivesItsRecordsAsync(old);

        // A host with a shorter TTL does not shorten it (EXPIRE GT); nor does a writer storing it again.
        await PushAsync([0], [Server], TimeSpan.FromMinutes(10), cache);
        Assert.True(await Db.KeyTimeToLiveAsync(KeyCatalog.DictionaryKey(old)) > days + TimeSpan.FromMinutes(59));
        using (var copy = await DictionaryStore.ReadAsync(Db, old))
        {
            await DictionaryStore.StoreAsync(Db, copy!, TimeSpan.FromMinutes(1));
        }
        Assert.True(await Db.KeyTimeToLiveAsync(KeyCatalog.DictionaryKey(old)) > days + TimeSpan.FromMinutes(59));

        // Retrained after a drift: half the hosts push (new dictionary), the others still hold
        // records of the old one, which therefore stays, listed for readers, and every record reads.
        await PushAsync(All, [Server], days, cache, drift: 300);
        Assert.Equal(DictionaryVerdict.Published, (await TrainAsync(Server)).Single(r => r.Object == "cmd/sysctl-a").Verdict);
        var fresh = (await CurrentAsync(Db))["cmd/sysctl-a"];
        await PushAsync(Enumerable.Range(0, Hosts / 2), [Server], days, cache, drift: 300);
        var ids = (await HeadersAsync(Db, "cmd/sysctl-a")).Select(h => h.DictionaryId).ToList();
        Assert.Equal((Hosts / 2, Hosts / 2), (ids.Count(i => i == fresh), ids.Count(i => i == old)));
        await AssertOutlivesItsRecordsAsync(old);
        await AssertOutlivesItsRecordsAsync(fresh);
        await AssertExactAnswerAsync(Server);
        await using (var query = new FleetQuery([Server]))
        {
            var listed = await query.Dictionaries.ListAsync();
            Assert.Contains(listed, e => e.Object is null && e.Id == old && e.Bytes > 0);
            Assert.Contains(listed, e => e.Object == "cmd/sysctl-a" && e.Id == fresh && e.ExpiresIn > days);
        }

        // Records that never expire: nor does their dictionary.
        await PushAsync([0], [Server], null, cache, drift: 300);
        Assert.True(await Db.KeyExistsAsync(KeyCatalog.DictionaryKey(fresh)));
        Assert.Null(await Db.KeyTimeToLiveAsync(KeyCatalog.DictionaryKey(fresh)));
        await AssertOutlivesItsRecordsAsync(fresh);
    }

    [Fact]
    public async Task A_server_of_the_core_that_lacks_a_dictionary_gets_only_records_it_can_decode()
    {
        _servers.Add(await RedisProcess.StartAsync());
        var (a, b) = (Server, ServerAddress.Parse(_servers[1].Address));
        var topology = new FleetTopology([new Core("t", "core", [a, b])], "t/core", "test");
        using var cache = DictionaryCache.InMemory();
        await PushAsync(All, [a, b], TimeSpan.FromHours(1), cache);
        await using (var query = new FleetQuery(topology, new QueryTargeting()))
        {
            Assert.All(await TrainAsync(query), r => Assert.Equal(DictionaryVerdict.Published, r.Verdict));
        }
        await using var muxB = await ConnectionMultiplexer.ConnectAsync(_servers[1].Address);
        var dbB = muxB.GetDatabase();
        var current = await CurrentAsync(dbB);
        Assert.Equal(await CurrentAsync(Db), current);
        // B lost sysctl-a's dictionary (expired, or a server that missed the publication) and
        // names none for uname-a.
        await dbB.KeyDeleteAsync(KeyCatalog.DictionaryKey(current["cmd/sysctl-a"]));
        await dbB.HashDeleteAsync(DictionaryStore.CurrentKey, "cmd/uname-a");

        var outcomes = await PushAsync(All, [a, b], TimeSpan.FromHours(1), cache);
        Assert.All(outcomes.Where(o => o.Server == a.ToString()), o => Assert.Equal(10, o.WithDictionary));
        Assert.All(outcomes.Where(o => o.Server == b.ToString()), o => Assert.Equal(8, o.WithDictionary));
        Assert.All(await HeadersAsync(dbB, "cmd/sysctl-a"), h => Assert.Equal((PayloadCodec.Lz4, 0u), (h.Codec, h.DictionaryId)));
        Assert.All(await HeadersAsync(dbB, "cmd/uname-a"), h => Assert.Equal(PayloadCodec.Lz4, h.Codec));
        Assert.All(await HeadersAsync(Db, "cmd/sysctl-a"), h => Assert.Equal(current["cmd/sysctl-a"], h.DictionaryId));
        await AssertExactAnswerAsync(a);
        await AssertExactAnswerAsync(b);
        Assert.False(await dbB.KeyExistsAsync(KeyCatalog.DictionaryKey(current["cmd/sysctl-a"])), "push never stores a dictionary itself");

        // The next training publishes on every server of the core again (the kept dictionary too), and B catches up.
        await using (var query = new FleetQuery(topology, new QueryTargeting()))
        {
            await TrainAsync(query);
        }
        await PushAsync(All, [a, b], TimeSpan.FromHours(1), cache);
        var caughtUp = await CurrentAsync(dbB);
        Assert.All(await HeadersAsync(dbB, "cmd/sysctl-a"), h => Assert.Equal((PayloadCodec.ZstdDictionary, caughtUp["cmd/sysctl-a"]), (h.Codec, h.DictionaryId)));
        await AssertExactAnswerAsync(b);
    }

    private static IEnumerable<int> All => Enumerable.Range(0, Hosts);

    /// <summary>Every host pushed once (LZ4: no dictionary yet), then trained.</summary>
    private async Task SeedAndTrainAsync(DictionaryCache? cache = null)
    {
        using var none = DictionaryCache.InMemory();
        await PushAsync(All, [Server], TimeSpan.FromHours(1), cache ?? none);
        Assert.All(await TrainAsync(Server), r => Assert.Equal(DictionaryVerdict.Published, r.Verdict));
    }

    private async Task<PushOutcome[]> PushAsync(IEnumerable<int> hosts, IReadOnlyList<ServerAddress> servers, TimeSpan? ttl, DictionaryCache cache, int drift = 0, bool ledger = true)
    {
        var outcomes = new List<PushOutcome>();
        foreach (var h in hosts)
        {
            outcomes.AddRange(await PushAgent.PushAsync(SyntheticFleet.HostName(h), Objects(h, drift), servers, ttl, Timeout, CancellationToken.None, ledger ? _ledgers[h] : PushLedger.None, _connections, cache));
        }
        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.ToString()));
        return [.. outcomes];
    }

    /// <summary>The host's objects as push collects them; with <paramref name="drift"/>, that many settings more in its sysctl -a (the same on every host).</summary>
    private PushObject[] Objects(int host, int drift)
    {
        var text = new TextBuffer();
        var objects = new PushObject[SyntheticFleet.ObjectNames.Length];
        for (var o = 0; o < objects.Length; o++)
        {
            _fleet.Write(host, o, text);
            if (o == 0)
            {
                for (var i = 0; i < drift; i++)
                {
                    text.Add(string.Create(CultureInfo.InvariantCulture, $"kernel.new_release.setting_{i} = {(ulong)(i + 1) * 0x9E3779B97F4A7C15UL:x16}\n"));
                }
            }
            objects[o] = new PushObject(SyntheticFleet.ObjectNames[o], text.Span.ToArray(), FileStat.None, _inserted);
        }
        return objects;
    }

    private async Task<List<DictionaryTrainingRow>> TrainAsync(ServerAddress server, bool bases = false)
    {
        await using var query = new FleetQuery([server]);
        return await TrainAsync(query, bases);
    }

    /// <summary>
    /// `dict train`; these tests are about dictionaries, so unless <paramref name="bases"/> the bases it
    /// publishes are withdrawn again (no object named in <c>#base:current</c>) and pushes write no deltas.
    /// </summary>
    private async Task<List<DictionaryTrainingRow>> TrainAsync(FleetQuery query, bool bases = false)
    {
        var rows = new List<DictionaryTrainingRow>();
        var reads = new List<ExtractSummary>();
        await foreach (var row in query.Dictionaries.TrainAsync("*#*", reads))
        {
            rows.Add(row);
        }
        Assert.All(reads, r => Assert.Empty(r.Corrupt));
        foreach (var server in bases ? [] : _servers)
        {
            await using var mux = await ConnectionMultiplexer.ConnectAsync(server.Address);
            await mux.GetDatabase().KeyDeleteAsync(SharedKind.Base.CurrentKey);
        }
        return rows;
    }

    [Fact]
    public async Task With_bases_push_writes_deltas_where_they_pay_netstat_keeps_its_dictionary_and_queries_answer_exactly()
    {
        using var cache = DictionaryCache.OnDisk(Path.Combine(_work, "cache"));
        await PushAsync(All, [Server], TimeSpan.FromHours(1), cache);
        var rows = await TrainAsync(Server, bases: true);
        Assert.NotEqual(0u, rows.Single(r => r.Object == "cmd/sysctl-a").BaseId);
        Assert.Equal(0u, rows.Single(r => r.Object == "cmd/netstat-anp").BaseId);
        var sysctlBefore = await SizeAsync(Db, "cmd/sysctl-a");

        Assert.All(await PushAsync(All, [Server], TimeSpan.FromHours(1), cache), o => Assert.Equal((10, 10), (o.Written, o.WithDictionary)));
        var sysctlBase = rows.Single(r => r.Object == "cmd/sysctl-a").BaseId;
        Assert.All(await HeadersAsync(Db, "cmd/sysctl-a"), h => Assert.Equal((PayloadCodec.LineDelta, sysctlBase), (h.Codec, h.DictionaryId)));
        Assert.All(await HeadersAsync(Db, "cmd/netstat-anp"), h => Assert.Equal(PayloadCodec.ZstdDictionary, h.Codec));
        Assert.True(await SizeAsync(Db, "cmd/sysctl-a") < sysctlBefore);
        Assert.True(await Db.KeyExistsAsync(SharedKind.Base.Key(sysctlBase)));
        await AssertExactAnswerAsync(Server);

        // Unchanged means the same contents in the same record: refreshed only, with and without the
        // ledger; a delta of the same contents against the current base is known so without being made again.
        var encodes = cache.FindBase(sysctlBase)!.Encodes;
        Assert.All(await PushAsync(All, [Server], TimeSpan.FromHours(1), cache), o => Assert.Equal((0, 10), (o.Written, o.Unchanged)));
        Assert.All(await PushAsync(All, [Server], TimeSpan.FromHours(1), cache, ledger: false), o => Assert.Equal((0, 10), (o.Written, o.Unchanged)));
        Assert.Equal(encodes, cache.FindBase(sysctlBase)!.Encodes);
    }

    private static string DictionaryPrinter(DictionaryTrainingRow row) => Output.DictionaryPrinter.Text(row);

    /// <summary>The headline, read from <paramref name="server"/> alone: exactly the generator's answer, every record readable.</summary>
    private async Task AssertExactAnswerAsync(ServerAddress server)
    {
        await using var query = new FleetQuery([server]);
        var (counts, result) = await query.GrepUniqAsync(new GrepRequest(SyntheticFleet.HeadlineObject, SyntheticFleet.HeadlinePattern));
        Assert.Empty(result.Summary.Corrupt);
        Assert.Equal(UniqPrinter.Text(_fleet.ExpectedUniq()), UniqPrinter.Text(counts));
    }

    /// <summary>The dictionary's key expires after every record that names it (or never, when one never does), and readers are told of it as long.</summary>
    private async Task AssertOutlivesItsRecordsAsync(uint id)
    {
        var life = await Db.KeyTimeToLiveAsync(KeyCatalog.DictionaryKey(id));
        Assert.True(await Db.KeyExistsAsync(KeyCatalog.DictionaryKey(id)));
        var score = await Db.SortedSetScoreAsync(KeyCatalog.DictionariesKey, DictionaryStore.Hex(id));
        foreach (var name in SyntheticFleet.ObjectNames)
        {
            foreach (var h in All)
            {
                var key = ObjectKey.Make(SyntheticFleet.HostName(h), name);
                if ((await HeaderAsync(Db, h, name)).DictionaryId != id)
                {
                    continue;
                }
                var recordLife = await Db.KeyTimeToLiveAsync(key);
                Assert.True(life is null || (recordLife is not null && recordLife < life), $"{key} expires in {recordLife}, its dictionary in {life}");
                var recordEnds = recordLife is { } r ? DateTimeOffset.UtcNow.Add(r).ToUnixTimeMilliseconds() : double.PositiveInfinity;
                Assert.True(score >= recordEnds, $"{key} expires at {recordEnds}, its dictionary is listed for readers until {score}");
            }
        }
    }

    private static async Task<Dictionary<string, uint>> CurrentAsync(IDatabase db) =>
        (await db.HashGetAllAsync(DictionaryStore.CurrentKey)).ToDictionary(e => e.Name.ToString(), e => DictionaryStore.ParseId(e.Value), StringComparer.Ordinal);

    private static async Task<RecordHeader> HeaderAsync(IDatabase db, int host, string objectName)
    {
        Assert.True(RecordHeader.TryRead((byte[])(await db.StringGetAsync(ObjectKey.Make(SyntheticFleet.HostName(host), objectName)))!, out var header, out var error), error);
        return header;
    }

    private static async Task<RecordHeader[]> HeadersAsync(IDatabase db, string objectName) =>
        await Task.WhenAll(Enumerable.Range(0, Hosts).Select(h => HeaderAsync(db, h, objectName)));

    /// <summary>The bytes the object's records take in the server, all hosts together.</summary>
    private static async Task<long> SizeAsync(IDatabase db, string objectName) =>
        (await Task.WhenAll(Enumerable.Range(0, Hosts).Select(h => db.StringLengthAsync(ObjectKey.Make(SyntheticFleet.HostName(h), objectName))))).Sum();

    private static Task ResetStatsAsync(IDatabase db) => db.ExecuteAsync("CONFIG", "RESETSTAT");

    /// <summary>How many times the server ran <paramref name="command"/> since the last reset (INFO commandstats).</summary>
    /// <summary>
    /// GETRANGEs of a host's first push that are not dictionary fetches (which read at most a
    /// dictionary's limit with GETRANGE): one per object, of its stored header, having no ledger entry.
    /// </summary>
    private const int HeaderReads = 10;

    private static async Task<long> CallsAsync(IDatabase db, string command)
    {
        var info = (string)(await db.ExecuteAsync("INFO", "commandstats"))!;
        var match = Regex.Match(info, $@"^cmdstat_{command}:calls=(\d+)", RegexOptions.Multiline);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }
}
