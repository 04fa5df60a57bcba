using System.Globalization;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Pipeline;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// 3 primaries with a replica each, holding one 600-host fleet, written before the tests and
/// replicated. The cluster's node timeout is long, so that the cluster never fails a node over while
/// a test runs: the client's own failover is what is tested.
/// </summary>
public sealed class ReplicatedClusterFixture : RedisClusterFixture
{
    public ReplicatedClusterFixture()
    {
        ReplicasPerPrimary = 1;
        NodeTimeoutMs = 60_000;
    }

    public SyntheticFleet Fleet { get; } = new(600, 61);

    /// <summary>A primary's address (the first): a seed.</summary>
    public ServerAddress Seed => ServerAddress.Parse(Addresses[PrimaryNodes[0]]);

    public async Task WriteFleetAsync()
    {
        await FleetGenerator.GenerateAsync(Fleet, Seed, PayloadCodec.Lz4, null, plain: false, CancellationToken.None);
        await WaitForReplicasAsync();
    }

    /// <summary>
    /// Commands of a name that a node has run since its statistics were reset, or, with
    /// <paramref name="field"/> rejected_calls, refused before running (a redirection among them): INFO commandstats.
    /// </summary>
    public async Task<long> CallsAsync(int node, string command, string field = "calls")
    {
        var line = (await InfoAsync(node, "commandstats")).Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith($"cmdstat_{command}:", StringComparison.Ordinal));
        var value = line?.Split(':', 2)[1].Split(',').Select(f => f.Split('=')).FirstOrDefault(f => f[0] == field)?[1];
        return value is null ? 0 : long.Parse(value, CultureInfo.InvariantCulture);
    }

    public async Task ResetStatisticsAsync()
    {
        for (var node = 0; node < Addresses.Count; node++)
        {
            await ExecuteAsync(node, "CONFIG", "RESETSTAT");
        }
    }
}

/// <summary>The fixture's fleet, read through primaries and replicas.</summary>
public sealed class ClusterReplicaTests(ReplicatedClusterFixture cluster) : IClassFixture<ReplicatedClusterFixture>, IAsyncLifetime
{
    private static readonly GrepRequest Headline = new(SyntheticFleet.HeadlineObject, SyntheticFleet.HeadlinePattern);

    private static int _written;

    public async Task InitializeAsync()
    {
        // Once per fixture: the tests of this class run one after another.
        if (Interlocked.Exchange(ref _written, 1) == 0)
        {
            await cluster.WriteFleetAsync();
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Reads_are_spread_over_the_replicas_in_readonly_mode_unless_primaries_only_are_asked_for()
    {
        await cluster.ResetStatisticsAsync();
        await using (var query = new FleetQuery([cluster.Seed]))
        {
            await AssertExactAsync(query);
        }
        foreach (var replica in cluster.ReplicaOf.Keys)
        {
            Assert.True(await cluster.CallsAsync(replica, "readonly") > 0, $"replica {cluster.Addresses[replica]} was not put in READONLY mode");
            Assert.True(await cluster.CallsAsync(replica, "mget") > 0, $"replica {cluster.Addresses[replica]} was not read");
            Assert.True(await cluster.CallsAsync(replica, "zscan") + await cluster.CallsAsync(cluster.ReplicaOf[replica], "zscan") > 0);
        }
        foreach (var primary in cluster.PrimaryNodes)
        {
            Assert.True(await cluster.CallsAsync(primary, "mget") > 0, $"primary {cluster.Addresses[primary]} was not read");
        }

        await cluster.ResetStatisticsAsync();
        await using (var primariesOnly = new FleetQuery([cluster.Seed], new ExtractOptions { ReadReplicas = false }))
        {
            await AssertExactAsync(primariesOnly);
        }
        foreach (var replica in cluster.ReplicaOf.Keys)
        {
            Assert.Equal(0, await cluster.CallsAsync(replica, "mget"));
        }
    }

    /// <summary>A user whose ACL refuses READONLY: the replicas cannot serve it reads, so its primaries do, and the answer is whole.</summary>
    [Fact]
    public async Task A_replica_that_refuses_READONLY_is_not_read_and_the_answer_is_exact()
    {
        const string password = "no-readonly-password";
        for (var node = 0; node < cluster.Addresses.Count; node++)
        {
            await cluster.ExecuteAsync(node, "ACL", "SETUSER", "noreadonly", "on", ">" + password, "~*", "&*", "+@all", "-readonly");
        }
        await cluster.ResetStatisticsAsync();
        await using (var query = new FleetQuery([cluster.Seed.WithCredentials("noreadonly", password)]))
        {
            await AssertExactAsync(query);
        }
        foreach (var replica in cluster.ReplicaOf.Keys)
        {
            Assert.Equal(0, await cluster.CallsAsync(replica, "mget"));
        }
    }

    private async Task AssertExactAsync(FleetQuery query)
    {
        var (counts, result) = await query.GrepUniqAsync(Headline);
        Assert.Equal(cluster.Fleet.ExpectedUniq(), counts);
        Assert.Equal(600, result.Summary.RecordsRead);
        Assert.Equal(0, result.Summary.RecordsMissing);
    }
}

/// <summary>Nodes lost, or a replica turned elsewhere, while a query reads them: a cluster of its own per test.</summary>
public sealed class ClusterReplicaFailoverTests
{
    /// <summary>Small pages and batches, one worker: a query held after its first batch still has most of the fleet to read.</summary>
    private static readonly ExtractOptions Slow = new() { ScanPageSize = 10, MaxKeysPerBatch = 16, Workers = 1, BatchQueueCapacity = 2 };

    /// <summary>
    /// A primary stopped (SIGSTOP: its sockets stay open, nothing answers) while a query reads it:
    /// its reads move to its replica once a PING on a connection of its own goes unanswered for
    /// 0.5 s, so the query ends long before the 10 s command timeout (the old client waited for it
    /// and then failed), exact. Then another primary is killed mid-query: read from its replica,
    /// exact.
    /// </summary>
    [Fact]
    public async Task A_primary_stopped_or_killed_mid_query_is_read_from_its_replica_within_a_second()
    {
        await WithClusterAsync(async cluster =>
        {
            var (stopped, killed) = (cluster.PrimaryNodes[1], cluster.PrimaryNodes[2]);
            // The same query losing nothing: how long the rest of it takes on this machine now.
            var (_, normal) = await LoseDuringQueryAsync(cluster, () => { });

            var (records, after) = await LoseDuringQueryAsync(cluster, () => cluster.Pause(stopped));
            cluster.Resume(stopped);
            Assert.Equal(600, records);
            // The detection takes about a second; the old client waited for the 10 s command timeout (and then failed).
            Assert.True(after < normal + TimeSpan.FromSeconds(4), $"the query read past a stopped primary in {after}, {normal} when nothing is lost");

            (records, after) = await LoseDuringQueryAsync(cluster, () => cluster.Kill(killed));
            Assert.Equal(600, records);
            Assert.True(after < normal + TimeSpan.FromSeconds(4), $"the query read past a killed primary in {after}, {normal} when nothing is lost");
        });
    }

    /// <summary>
    /// A replica made to copy another primary after the query read the map (CLUSTER REPLICATE: the
    /// map is stale) answers MOVED to the reads it no longer serves: they go to their primary, and
    /// the answer is exact.
    /// </summary>
    [Fact]
    public async Task A_replica_that_answers_MOVED_sends_its_reads_to_the_primary()
    {
        await WithClusterAsync(async cluster =>
        {
            await using var query = new FleetQuery([cluster.Seed]);
            var (counts, _) = await query.GrepUniqAsync(new GrepRequest(SyntheticFleet.HeadlineObject, SyntheticFleet.HeadlinePattern));
            Assert.Equal(cluster.Fleet.ExpectedUniq(), counts);

            // Every replica follows the next shard's primary: each now answers MOVED for the slots the query's map gives it.
            var ids = new Dictionary<int, string>();
            foreach (var primary in cluster.PrimaryNodes)
            {
                ids[primary] = (await cluster.ExecuteAsync(primary, "CLUSTER", "MYID")).Trim();
            }
            foreach (var (replica, primary) in cluster.ReplicaOf)
            {
                var next = cluster.PrimaryNodes[(cluster.PrimaryNodes.ToList().IndexOf(primary) + 1) % cluster.PrimaryNodes.Count];
                await cluster.ExecuteAsync(replica, "CLUSTER", "REPLICATE", ids[next]);
            }
            await cluster.ResetStatisticsAsync();

            var (again, result) = await query.GrepUniqAsync(new GrepRequest(SyntheticFleet.HeadlineObject, SyntheticFleet.HeadlinePattern));
            Assert.Equal(cluster.Fleet.ExpectedUniq(), again);
            Assert.Equal(0, result.Summary.RecordsMissing);
            var refused = 0L;
            foreach (var replica in cluster.ReplicaOf.Keys)
            {
                refused += await cluster.CallsAsync(replica, "mget", "rejected_calls") + await cluster.CallsAsync(replica, "zscan", "rejected_calls");
            }
            var stats = string.Join(" | ", await Task.WhenAll(cluster.ReplicaOf.Keys.Select(r => cluster.InfoAsync(r, "commandstats"))));
            Assert.True(refused > 0, "no replica answered MOVED: the stale map was not exercised: " + stats.Replace("\r\n", " ", StringComparison.Ordinal));
        });
    }

    /// <summary>Runs <paramref name="test"/> on a replicated cluster of its own holding the fixture's fleet, then stops it.</summary>
    private static async Task WithClusterAsync(Func<ReplicatedClusterFixture, Task> test)
    {
        var cluster = new ReplicatedClusterFixture();
        await cluster.InitializeAsync();
        try
        {
            await cluster.WriteFleetAsync();
            await test(cluster);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>Holds a query after its first batch, loses a node, lets the query go on: the records read, and how long after the release it ended.</summary>
    private static async Task<(int Records, TimeSpan After)> LoseDuringQueryAsync(ReplicatedClusterFixture cluster, Action lose)
    {
        await using var query = new FleetQuery([cluster.Seed], Slow);
        var (running, reader, clock) = await HoldingReader.LoseMidQueryAsync(query, lose);
        var summary = await running;
        var after = clock.Elapsed;
        Assert.Equal(0, summary.RecordsMissing);
        Assert.Equal(reader.Records.Count, summary.RecordsRead);
        return (reader.Records.Count, after);
    }
}
