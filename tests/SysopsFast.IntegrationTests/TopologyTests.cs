using System.Net;
using System.Net.Sockets;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Pipeline;
using SysopsFast.Redis;
using SysopsFast.Topology;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// A fleet spread over 3 cores × 2 replicas of real redis-servers: host i lives on core i % 3, on
/// both of its servers. Each test gets its own servers, because the fault tests kill them.
/// </summary>
public sealed class ReplicatedFleet : IAsyncDisposable
{
    public const int Cores = 3;

    private ReplicatedFleet(SyntheticFleet fleet, RedisProcess[][] servers, string topologyFile)
    {
        Fleet = fleet;
        Servers = servers;
        TopologyFile = topologyFile;
    }

    public SyntheticFleet Fleet { get; }

    /// <summary>[core][replica]</summary>
    public RedisProcess[][] Servers { get; }

    public string TopologyFile { get; }

    public FleetTopology Topology => SysopsFast.Topology.TopologyFile.Load(TopologyFile);

    public static async Task<ReplicatedFleet> StartAsync(int hosts, ulong seed, int replicas = 2, Func<int, int, string>? addressOverride = null)
    {
        var fleet = new SyntheticFleet(hosts, seed);
        var servers = new RedisProcess[Cores][];
        var toml = new System.Text.StringBuilder("local = \"eat1/core0\"\n");
        for (var c = 0; c < Cores; c++)
        {
            servers[c] = await Task.WhenAll(Enumerable.Range(0, replicas).Select(_ => RedisProcess.StartAsync()));
            await Task.WhenAll(servers[c].Select(s => FleetGenerator.GenerateAsync(fleet, ServerAddress.Parse(s.Address), PayloadCodec.Lz4, null, plain: false, CancellationToken.None, new FleetShard(c, Cores))));
            var addresses = servers[c].Select((s, r) => addressOverride?.Invoke(c, r) ?? s.Address).Select(a => $"\"redis://{a}\"");
            toml.Append($"\n[sites.{(c < 2 ? "eat1" : "lva1")}.cores.core{c}]\nservers = [{string.Join(", ", addresses)}]\n");
        }
        var file = Path.Combine(Path.GetTempPath(), $"sysops-fast-topology-{Guid.NewGuid():N}.toml");
        await File.WriteAllTextAsync(file, toml.ToString());
        return new ReplicatedFleet(fleet, servers, file);
    }

    /// <summary>A Random that makes <see cref="CoreTarget.Plan"/> try <paramref name="replica"/> of <paramref name="core"/> first.</summary>
    public Random RandomPicking(int core, int replica)
    {
        for (var seed = 0; ; seed++)
        {
            var plan = CoreTarget.Plan(Topology.Cores, false, new Random(seed));
            if (plan[core].Candidates[0] == ServerAddress.Parse(Servers[core][replica].Address))
            {
                return new Random(seed);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in Servers.SelectMany(x => x))
        {
            await s.DisposeAsync();
        }
        File.Delete(TopologyFile);
    }
}

public sealed class TopologyTests
{
    private static readonly GrepRequest Headline = new(SyntheticFleet.HeadlineObject, SyntheticFleet.HeadlinePattern);

    [Fact]
    public async Task Three_cores_of_two_replicas_give_the_same_exact_answer_as_one_server()
    {
        await using var spread = await ReplicatedFleet.StartAsync(900, 31);
        await using var single = await RedisProcess.StartAsync();
        await FleetGenerator.GenerateAsync(spread.Fleet, ServerAddress.Parse(single.Address), PayloadCodec.Lz4, null, plain: false, CancellationToken.None);

        await using var one = new FleetQuery([ServerAddress.Parse(single.Address)]);
        var (fromOne, _) = await one.GrepUniqAsync(Headline);
        await using var many = new FleetQuery(spread.Topology, new QueryTargeting());
        var (fromMany, result) = await many.GrepUniqAsync(Headline);

        Assert.Equal(spread.Fleet.ExpectedUniq(), fromOne);
        Assert.Equal(fromOne, fromMany);
        Assert.Equal(3, result.Summary.CoresAnswered.Count);
        Assert.Empty(result.Summary.Warnings);
    }

    [Fact]
    public async Task Scopes_ask_only_their_cores()
    {
        await using var spread = await ReplicatedFleet.StartAsync(300, 32);
        await using var local = new FleetQuery(spread.Topology, new QueryTargeting { Scope = QueryScope.Local });
        var (counts, result) = await local.GrepUniqAsync(Headline);
        Assert.Equal(spread.Fleet.ExpectedUniq(new FleetShard(0, 3)), counts);
        Assert.Single(result.Summary.CoresAnswered);

        await using var site = new FleetQuery(spread.Topology, new QueryTargeting { Scope = QueryScope.Site, Site = "lva1" });
        var (lva, _) = await site.GrepUniqAsync(Headline);
        Assert.Equal(spread.Fleet.ExpectedUniq(new FleetShard(2, 3)), lva);
    }

    [Fact]
    public async Task A_server_killed_before_the_query_fails_over_to_its_twin()
    {
        await using var spread = await ReplicatedFleet.StartAsync(300, 33);
        spread.Servers[1][0].Kill();
        await using var query = new FleetQuery(spread.Topology, new QueryTargeting { Random = spread.RandomPicking(1, 0) });
        var (counts, result) = await query.GrepUniqAsync(Headline);
        Assert.Equal(spread.Fleet.ExpectedUniq(), counts);
        var warning = Assert.Single(result.Summary.Warnings);
        Assert.Contains(spread.Servers[1][0].Address, warning, StringComparison.Ordinal);
        Assert.Contains($"core1: {spread.Servers[1][1].Address}", string.Join("|", result.Summary.CoresAnswered), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_killed_in_the_middle_of_the_query_is_replaced_without_losing_or_doubling_records()
    {
        await using var spread = await ReplicatedFleet.StartAsync(2400, 34);
        var victim = spread.Servers[0][0];
        var (counts, result) = await HeadlineWithFaultAsync(spread, victim.Kill, TimeSpan.FromSeconds(10));

        Assert.False(victim.IsRunning);
        Assert.Equal(spread.Fleet.ExpectedUniq(), counts);
        Assert.Contains(result.Summary.Warnings, w => w.Contains("failed during the query", StringComparison.Ordinal) && w.Contains(victim.Address, StringComparison.Ordinal));
        Assert.Equal(2400, result.Summary.RecordsRead);
    }

    [Fact]
    public async Task A_server_that_stops_answering_mid_query_times_out_and_the_twin_finishes()
    {
        await using var spread = await ReplicatedFleet.StartAsync(1500, 38);
        var victim = spread.Servers[0][0];
        try
        {
            var (counts, result) = await HeadlineWithFaultAsync(spread, victim.Pause, TimeSpan.FromSeconds(2));
            Assert.Equal(spread.Fleet.ExpectedUniq(), counts);
            Assert.Contains(result.Summary.Warnings, w => w.Contains(victim.Address, StringComparison.Ordinal) && w.Contains("timed out", StringComparison.Ordinal));
        }
        finally
        {
            victim.Resume();
        }
    }

    /// <summary>
    /// The headline query with core 0 read from its first server, and <paramref name="fault"/> done to
    /// that server as soon as the first record of core 0 reaches a sink: mid-query, with most of the
    /// core still to fetch (small batches).
    /// </summary>
    private static async Task<(IReadOnlyList<UniqCount> Counts, GrepResult Result)> HeadlineWithFaultAsync(ReplicatedFleet spread, Action fault, TimeSpan commandTimeout)
    {
        var shard0 = spread.Fleet.HostIndices(new FleetShard(0, 3)).Select(SyntheticFleet.HostName).ToHashSet();
        var uniq = new UniqCountSinkFactory();
        var sinks = new KillOnFirstRecord(uniq, key => shard0.Contains(ObjectKey.Split(key).Host), fault);
        await using var query = new FleetQuery(spread.Topology, new QueryTargeting { Random = spread.RandomPicking(0, 0) },
            new Pipeline.ExtractOptions { TargetBatchBytes = 128 * 1024, CommandTimeout = commandTimeout });
        var result = await query.GrepAsync(Headline, sinks);
        return (uniq.Result, result);
    }

    /// <summary>An error reply to MGET (here NOPERM, as BUSY or OOM would be) is the source's to handle: the twin finishes the core.</summary>
    [Fact]
    public async Task A_server_that_answers_mget_with_an_error_fails_over_to_its_twin()
    {
        await using var spread = await ReplicatedFleet.StartAsync(300, 40);
        var refusing = spread.Servers[1][0];
        await using (var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(refusing.Address + ",allowAdmin=true"))
        {
            await mux.GetServers()[0].ExecuteAsync("ACL", "SETUSER", "default", "-mget");
        }
        await using var query = new FleetQuery(spread.Topology, new QueryTargeting { Random = spread.RandomPicking(1, 0) });
        var (counts, result) = await query.GrepUniqAsync(Headline);
        Assert.Equal(spread.Fleet.ExpectedUniq(), counts);
        Assert.Equal(300, result.Summary.RecordsRead);
        var warning = Assert.Single(result.Summary.Warnings);
        Assert.Contains(refusing.Address, warning, StringComparison.Ordinal);
        Assert.Contains("NOPERM", warning, StringComparison.Ordinal);
        Assert.Contains($"core1: {spread.Servers[1][1].Address}", string.Join("|", result.Summary.CoresAnswered), StringComparison.Ordinal);
    }

    /// <summary>
    /// Discovery fails at once (the catalog's object set is not a sorted set) while the compression
    /// dictionaries are still being fetched: the query must not return, and fail over, while a stage
    /// of the lost server still runs.
    /// </summary>
    [Fact]
    public async Task A_server_that_fails_before_any_batch_ends_its_dictionary_load_before_the_query_moves_on()
    {
        await using var server = await RedisProcess.StartAsync();
        await using (var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(server.Address))
        {
            var db = mux.GetDatabase();
            await db.StringSetAsync(KeyCatalog.ObjectsKey, "not a sorted set");
            await db.SortedSetAddAsync(KeyCatalog.DictionariesKey, "0000abcd", double.PositiveInfinity);
            await db.StringSetAsync(KeyCatalog.DictionaryKey(0xabcd), "not really a dictionary");
        }
        // The dictionaries' MGET is held back, so the load is still running when discovery fails.
        await using var proxy = new InterceptingProxy(server.Address, "#dict:", () => Task.Delay(1500));
        await using var query = new FleetQuery([ServerAddress.Parse(proxy.Address)]);
        var e = await Assert.ThrowsAsync<SysopsFastException>(() => query.GrepUniqAsync(Headline));
        Assert.Contains("WRONGTYPE", e.Message, StringComparison.Ordinal);
        Assert.True(proxy.ActionDone, "the query returned while the server's dictionary load was still running");
    }

    [Fact]
    public async Task A_core_with_no_live_server_is_an_error_naming_it_unless_allow_partial()
    {
        await using var spread = await ReplicatedFleet.StartAsync(300, 35);
        spread.Servers[2][0].Kill();
        spread.Servers[2][1].Kill();

        await using var strict = new FleetQuery(spread.Topology, new QueryTargeting());
        var e = await Assert.ThrowsAsync<SysopsFastException>(() => strict.GrepUniqAsync(Headline));
        Assert.Contains("lva1/core2", e.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorRemedy.AllowPartial, e.Remedy);
        Assert.Equal(ErrorKind.Unavailable, e.Kind);
        Assert.DoesNotContain("--", e.Message, StringComparison.Ordinal); // the library names no CLI flag

        await using var partial = new FleetQuery(spread.Topology, new QueryTargeting { AllowPartial = true });
        var (counts, result) = await partial.GrepUniqAsync(Headline);
        var expected = spread.Fleet.ExpectedUniq(new FleetShard(0, 3)).Concat(spread.Fleet.ExpectedUniq(new FleetShard(1, 3)))
            .GroupBy(u => u.Line).Select(g => new UniqCount(g.Key, g.Sum(u => u.Count)))
            .OrderByDescending(u => u.Count).ThenBy(u => u.Line, StringComparer.Ordinal);
        Assert.Equal(expected, counts);
        Assert.Contains("lva1/core2", Assert.Single(result.Summary.CoresMissing), StringComparison.Ordinal);
    }

    /// <summary>With every core missing nothing was read: that is a partial answer, not "no object matches".</summary>
    [Fact]
    public async Task Allow_partial_with_the_only_core_missing_reports_it_rather_than_no_match()
    {
        var dead = ServerAddress.Parse($"127.0.0.1:{RedisServerFixture.FreePort()}");
        await using var query = new FleetQuery(FleetTopology.FromServers([dead]), new QueryTargeting { AllowPartial = true });
        var (counts, result) = await query.GrepUniqAsync(Headline);
        Assert.Empty(counts);
        Assert.Contains(dead.ToString(), Assert.Single(result.Summary.CoresMissing), StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_load_balance_asks_every_server_and_counts_each_key_once()
    {
        await using var spread = await ReplicatedFleet.StartAsync(300, 36);
        await using var query = new FleetQuery(spread.Topology, new QueryTargeting { NoLoadBalance = true });
        var (counts, result) = await query.GrepUniqAsync(Headline);
        Assert.Equal(spread.Fleet.ExpectedUniq(), counts);
        Assert.All(result.Summary.CoresAnswered, a => Assert.Contains(", ", a, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_that_accepts_but_never_answers_times_out_and_its_twin_answers()
    {
        using var blackHole = new TcpListener(IPAddress.Loopback, 0);
        blackHole.Start();
        var holePort = ((IPEndPoint)blackHole.LocalEndpoint).Port;
        var held = new List<Socket>();
        using var stop = new CancellationTokenSource();
        var acceptor = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    held.Add(await blackHole.AcceptSocketAsync(stop.Token));
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        await using var spread = await ReplicatedFleet.StartAsync(150, 37, addressOverride: (c, r) => c == 1 && r == 0 ? $"127.0.0.1:{holePort}" : null!);
        var plan = Enumerable.Range(0, 1000).First(seed => CoreTarget.Plan(spread.Topology.Cores, false, new Random(seed))[1].Candidates[0].Port == holePort);
        await using var query = new FleetQuery(spread.Topology, new QueryTargeting { Random = new Random(plan) }, new ExtractOptions { ConnectTimeout = TimeSpan.FromSeconds(3) });
        var (counts, result) = await query.GrepUniqAsync(Headline);
        Assert.Equal(spread.Fleet.ExpectedUniq(), counts);
        Assert.Contains(result.Summary.Warnings, w => w.Contains($"127.0.0.1:{holePort}", StringComparison.Ordinal));
        await stop.CancelAsync();
        await acceptor;
        held.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task A_server_that_is_not_ready_is_skipped_for_its_twin()
    {
        using var loading = new NotReadyServer();
        await using var spread = await ReplicatedFleet.StartAsync(150, 39, addressOverride: (c, r) => c == 2 && r == 1 ? loading.Address : null!);
        var plan = Enumerable.Range(0, 1000).First(seed => CoreTarget.Plan(spread.Topology.Cores, false, new Random(seed))[2].Candidates[0].Port == loading.Port);
        await using var query = new FleetQuery(spread.Topology, new QueryTargeting { Random = new Random(plan) });
        var (counts, result) = await query.GrepUniqAsync(Headline);
        Assert.Equal(spread.Fleet.ExpectedUniq(), counts);
        Assert.Contains(result.Summary.Warnings, w => w.Contains(loading.Address, StringComparison.Ordinal));
    }

    /// <summary>Wraps a sink factory; the first record whose key satisfies the predicate triggers the action once.</summary>
    private sealed class KillOnFirstRecord(IGrepSinkFactory inner, Func<string, bool> predicate, Action action) : IGrepSinkFactory
    {
        private readonly Func<string, bool> _predicate = predicate;
        private readonly Action _action = action;
        private int _fired;

        public IGrepSink CreateForWorker() => new Sink(this, inner.CreateForWorker());

        public void Complete(IReadOnlyList<IGrepSink> workerSinks) => inner.Complete(workerSinks.Cast<Sink>().Select(s => s.Inner).ToList());

        private sealed class Sink(KillOnFirstRecord owner, IGrepSink inner) : IGrepSink
        {
            public IGrepSink Inner => inner;

            public void BeginRecord(ReadOnlySpan<byte> key)
            {
                if (owner._predicate(System.Text.Encoding.UTF8.GetString(key)) && Interlocked.Exchange(ref owner._fired, 1) == 0)
                {
                    owner._action();
                }
                inner.BeginRecord(key);
            }

            public bool Matched(ReadOnlySpan<byte> line) => inner.Matched(line);

            public void EndRecord(long selectedLines) => inner.EndRecord(selectedLines);
        }
    }
}
