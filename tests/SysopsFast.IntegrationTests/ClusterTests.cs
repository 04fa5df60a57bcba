using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Pipeline;
using SysopsFast.Push;
using SysopsFast.Redis;
using SysopsFast.Topology;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>A real 3-primary Redis Cluster on loopback, made with redis-cli --cluster create (with <see cref="ReplicasPerPrimary"/> replicas each).</summary>
public class RedisClusterFixture : IAsyncLifetime
{
    private const int Primaries = 3;

    private readonly string _dir = Directory.CreateTempSubdirectory("sysops-fast-cluster-").FullName;
    private readonly List<RedisProcess> _nodes = [];

    /// <summary>Every node's address: the primaries' and the replicas' (see <see cref="PrimaryNodes"/>).</summary>
    public IReadOnlyList<string> Addresses => _nodes.Select(n => n.Address).ToList();

    /// <summary>Replicas of each primary (0: a cluster of primaries only).</summary>
    public int ReplicasPerPrimary { get; init; }

    /// <summary>The cluster's node timeout: how long before the cluster itself fails a silent node over.</summary>
    public int NodeTimeoutMs { get; init; } = 5000;

    /// <summary>The nodes that are primaries once the cluster is made (indices into <see cref="Addresses"/>).</summary>
    public IReadOnlyList<int> PrimaryNodes { get; private set; } = [];

    /// <summary>For each replica's index, its primary's.</summary>
    public IReadOnlyDictionary<int, int> ReplicaOf { get; private set; } = new Dictionary<int, int>();

    /// <summary>
    /// Whether the nodes refuse every command while some slots have no live primary (Redis's
    /// default). With false, the others keep answering for their own slots, so a client that
    /// leaves out a dead primary gets a short answer rather than an error.
    /// </summary>
    public bool RequireFullCoverage { get; init; } = true;

    /// <summary>Kills node <paramref name="node"/>'s process (its PID): for a fixture a test made for itself.</summary>
    public void Kill(int node) => _nodes[node].Kill();

    /// <summary>Stops node <paramref name="node"/> (SIGSTOP): it keeps its connections and answers nothing.</summary>
    public void Pause(int node) => _nodes[node].Pause();

    /// <summary>Lets a paused node go on (SIGCONT).</summary>
    public void Resume(int node) => _nodes[node].Resume();

    /// <summary>Arguments of each node beyond the cluster's own (a TLS cluster's).</summary>
    protected virtual IEnumerable<string> NodeArguments(int port) => [];

    /// <summary>Arguments of redis-cli beyond --cluster create's.</summary>
    protected virtual IEnumerable<string> CliArguments => [];

    /// <summary>How the readiness check connects to a node.</summary>
    protected virtual ConfigurationOptions ProbeOptions(string address) => new() { EndPoints = { address }, AllowAdmin = true };

    public async Task InitializeAsync()
    {
        for (var i = 0; i < Primaries * (1 + ReplicasPerPrimary); i++)
        {
            _nodes.Add(await RedisProcess.StartAsync(port => [
                "--cluster-enabled", "yes",
                "--cluster-config-file", Path.Combine(_dir, $"nodes-{port}.conf"),
                "--cluster-node-timeout", NodeTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--cluster-require-full-coverage", RequireFullCoverage ? "yes" : "no",
                "--dir", _dir,
                .. NodeArguments(port)], ClusterPort));
        }
        var create = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in CliArguments.Concat(["--cluster", "create"]).Concat(Addresses).Concat(["--cluster-replicas", ReplicasPerPrimary.ToString(System.Globalization.CultureInfo.InvariantCulture), "--cluster-yes"]))
        {
            create.ArgumentList.Add(a);
        }
        using (var p = Process.Start(create)!)
        {
            // It waits for the nodes to meet; nodes that cannot (a TLS bus that refuses them) must fail the fixture, not hang it.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            using var kill = timeout.Token.Register(() => p.Kill());
            var error = p.StandardError.ReadToEndAsync();
            var output = await p.StandardOutput.ReadToEndAsync();
            await p.WaitForExitAsync();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException("redis-cli --cluster create failed: " + output + await error);
            }
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var ok = true;
            foreach (var node in _nodes)
            {
                await using var mux = await ConnectionMultiplexer.ConnectAsync(ProbeOptions(node.Address));
                var info = (string?)await mux.GetServers()[0].ExecuteAsync("CLUSTER", "INFO");
                ok &= info?.Contains("cluster_state:ok", StringComparison.Ordinal) == true;
            }
            if (ok && await RolesAsync())
            {
                return;
            }
            await Task.Delay(200);
        }
        throw new InvalidOperationException("the cluster did not reach cluster_state:ok, its replicas in sync, within 30 s");
    }

    /// <summary>Reads each node's role (ROLE); false until every replica's link to its primary is up.</summary>
    private async Task<bool> RolesAsync()
    {
        if (ReplicasPerPrimary == 0)
        {
            PrimaryNodes = [.. Enumerable.Range(0, _nodes.Count)];
            return true;
        }
        var primaries = new List<int>();
        var replicaOf = new Dictionary<int, int>();
        for (var i = 0; i < _nodes.Count; i++)
        {
            var role = (await InfoAsync(i, "replication")).Split('\n').Select(l => l.Trim()).ToArray();
            if (role.Contains("role:master"))
            {
                primaries.Add(i);
                continue;
            }
            var port = role.FirstOrDefault(l => l.StartsWith("master_port:", StringComparison.Ordinal))?["master_port:".Length..];
            if (!role.Contains("master_link_status:up") || _nodes.FindIndex(n => n.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) == port) is var primary && primary < 0)
            {
                return false;
            }
            replicaOf[i] = primary;
        }
        (PrimaryNodes, ReplicaOf) = (primaries, replicaOf);
        return primaries.Count == Primaries;
    }

    /// <summary>A node's INFO section.</summary>
    public Task<string> InfoAsync(int node, string section) => ExecuteAsync(node, "INFO", section);

    /// <summary>Runs a command on one node (CONFIG RESETSTAT, ACL SETUSER, CLUSTER REPLICATE…): its reply as text.</summary>
    public async Task<string> ExecuteAsync(int node, params string[] command)
    {
        await using var connection = await RespConnection.ConnectAsync(ServerAddress.Parse(Addresses[node]), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), CancellationToken.None);
        using var reply = await connection.SendAsync(System.Text.Encoding.UTF8.GetBytes(command[0]), [.. command.Skip(1).Select(System.Text.Encoding.UTF8.GetBytes)]);
        var frame = reply.Read();
        return frame.Error is { } error ? throw new InvalidOperationException($"{command[0]} on {Addresses[node]}: {error}") : frame.ReadText(int.MaxValue);
    }

    /// <summary>
    /// Waits until every replica has applied all its primary's writes (its offset caught up), and
    /// every primary's CLUSTER SHARDS calls each replica healthy (a node learns the others' offsets
    /// by gossip: until then it says "loading", and a client leaves that replica out).
    /// </summary>
    public async Task WaitForReplicasAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        foreach (var primary in PrimaryNodes)
        {
            while (await HealthyReplicasAsync(primary) < ReplicaOf.Count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{Addresses[primary]} did not call every replica healthy within 30 s");
                await Task.Delay(100);
            }
        }
        foreach (var (replica, primary) in ReplicaOf)
        {
            var target = Offset(await InfoAsync(primary, "replication"));
            while (Offset(await InfoAsync(replica, "replication")) < target)
            {
                Assert.True(DateTime.UtcNow < deadline, $"replica {Addresses[replica]} did not catch up with its primary within 30 s");
                await Task.Delay(50);
            }
        }
    }

    /// <summary>The replicas a node's CLUSTER SHARDS calls healthy, as the client reads them.</summary>
    private async Task<int> HealthyReplicasAsync(int node)
    {
        var address = ServerAddress.Parse(Addresses[node]);
        await using var connection = await RespConnection.ConnectAsync(address, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), CancellationToken.None);
        using var reply = await connection.SendAsync("CLUSTER"u8, "SHARDS"u8.ToArray());
        return ClusterSlotMap.FromShards(reply, address).Replicas.Count;
    }

    private static long Offset(string info) =>
        long.Parse(info.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("master_repl_offset:", StringComparison.Ordinal))["master_repl_offset:".Length..], System.Globalization.CultureInfo.InvariantCulture);

    public virtual async Task DisposeAsync()
    {
        foreach (var n in _nodes)
        {
            await n.DisposeAsync();
        }
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Ports whose cluster bus port (port + 10000) is free too.</summary>
    /// <summary>A port free with its cluster bus port (+10000).</summary>
    private static int ClusterPort()
    {
        for (var port = 21000 + Random.Shared.Next(0, 9000); ; port++)
        {
            if (IsFree(port) && IsFree(port + 10000))
            {
                return port;
            }
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

public sealed class ClusterTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>
{
    private static readonly GrepRequest Headline = new(SyntheticFleet.HeadlineObject, SyntheticFleet.HeadlinePattern);

    [Fact]
    public async Task A_fleet_written_through_any_node_is_spread_over_all_primaries_and_answers_exactly()
    {
        var fleet = new SyntheticFleet(600, 41);
        await FleetGenerator.GenerateAsync(fleet, ServerAddress.Parse(cluster.Addresses[0]), PayloadCodec.Lz4, null, plain: false, CancellationToken.None);

        await using (var mux = await ConnectionMultiplexer.ConnectAsync(cluster.Addresses[0]))
        {
            var sizes = await Task.WhenAll(mux.GetServers().Where(s => !s.IsReplica).Select(s => s.DatabaseSizeAsync()));
            Assert.Equal(3, sizes.Length);
            Assert.All(sizes, n => Assert.True(n > 1000, $"a primary holds only {n} keys"));
            // 6,000 records and the key catalog: a host set per object (10), all hosts, all objects,
            // the host-name index and its marker (the generator created the catalog).
            Assert.Equal(6000 + 10 + 2 + 2, sizes.Sum());
        }

        // --server naming any node: the cluster is detected.
        foreach (var address in cluster.Addresses)
        {
            await using var query = new FleetQuery([ServerAddress.Parse(address)]);
            var (counts, result) = await query.GrepUniqAsync(Headline);
            Assert.Equal(fleet.ExpectedUniq(), counts);
            Assert.Equal(600, result.Summary.RecordsRead);
        }

        // A topology core declared as a cluster, with a dead seed first.
        var deadSeed = $"127.0.0.1:{RedisServerFixture.FreePort()}";
        var topology = TopologyFile.Parse($"[sites.lva1.cores.main]\ncluster = [\"redis://{deadSeed}\", \"redis://{cluster.Addresses[1]}\"]\n", "cluster.toml");
        var plan = Enumerable.Range(0, 100).First(seed => CoreTarget.Plan(topology.Cores, false, new Random(seed))[0].Candidates[0].ToString() == deadSeed);
        await using (var viaTopology = new FleetQuery(topology, new QueryTargeting { Random = new Random(plan) }))
        {
            var (counts, result) = await viaTopology.GrepUniqAsync(Headline);
            Assert.Equal(fleet.ExpectedUniq(), counts);
            Assert.Contains(result.Summary.Warnings, w => w.Contains(deadSeed, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Slots_moved_between_queries_are_followed()
    {
        var fleet = new SyntheticFleet(300, 42);
        var seed = ServerAddress.Parse(cluster.Addresses[0]);
        await FleetGenerator.GenerateAsync(fleet, seed, PayloadCodec.Lz4, null, plain: false, CancellationToken.None, null);
        await using var query = new FleetQuery([seed]);
        // Host names do not depend on the seed, so other tests' fleets in this cluster add to the count.
        var (before, _) = await query.GrepUniqAsync(new GrepRequest("sysctl-a", "kernel.hostname"));
        Assert.True(before.Sum(c => c.Count) >= 300);

        // Move 2,000 slots (and their keys) from node 0 to node 1 while the query's client keeps its old slot map.
        var from = await RedisCli(cluster.Addresses[0], "cluster", "myid");
        var to = await RedisCli(cluster.Addresses[1], "cluster", "myid");
        await RedisCli(null, "--cluster", "reshard", cluster.Addresses[0], "--cluster-from", from.Trim(), "--cluster-to", to.Trim(), "--cluster-slots", "2000", "--cluster-yes");

        // The query's connections still hold the old slot map: MOVED must be followed (StackExchange.Redis
        // 3.4.35, which read clusters before, could not resend its zero-copy MGET after MOVED: this test found it).
        var (after, result) = await query.GrepUniqAsync(new GrepRequest("sysctl-a", "kernel.hostname"));
        Assert.Equal(before, after);
        Assert.Empty(result.Summary.Corrupt);
    }

    private static async Task<string> RedisCli(string? address, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (address is not null)
        {
            var parts = address.Split(':');
            start.ArgumentList.Add("-h");
            start.ArgumentList.Add(parts[0]);
            start.ArgumentList.Add("-p");
            start.ArgumentList.Add(parts[1]);
        }
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var p = System.Diagnostics.Process.Start(start)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        var error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"redis-cli {string.Join(' ', args)} failed: {output}{error}");
        return output;
    }

    [Fact]
    public async Task Push_and_import_route_by_slot()
    {
        var dir = Directory.CreateTempSubdirectory("sysops-fast-cluster-push-").FullName;
        try
        {
            for (var i = 0; i < 20; i++)
            {
                File.WriteAllText(Path.Combine(dir, $"cmd-{i}"), $"value {i}\n");
            }
            var outcomes = await PushAgent.PushAsync("pushed.example.org", PushAgent.CollectDirectory(dir, 1), [ServerAddress.Parse(cluster.Addresses[2])], null, TimeSpan.FromSeconds(10), CancellationToken.None);
            Assert.Equal(20, Assert.Single(outcomes).Written);

            var tree = Path.Combine(dir, "tree");
            for (var h = 0; h < 30; h++)
            {
                Directory.CreateDirectory(Path.Combine(tree, $"imp{h}.example.org", "etc"));
                File.WriteAllText(Path.Combine(tree, $"imp{h}.example.org", "etc", "motd"), $"welcome to imp{h}\n");
            }
            var imported = await FleetImporter.ImportAsync(tree, ServerAddress.Parse(cluster.Addresses[1]), PayloadCodec.Lz4, null, CancellationToken.None);
            Assert.Equal(30, imported.Objects);

            await using var query = new FleetQuery([ServerAddress.Parse(cluster.Addresses[0])]);
            var lines = new List<GrepLine>();
            await foreach (var line in query.GrepLinesAsync(new GrepRequest("pushed.example.org#cmd/*", "value")))
            {
                lines.Add(line);
            }
            Assert.Equal(20, lines.Count);
            var (motd, _) = await query.GrepUniqAsync(new GrepRequest("/etc/motd", "welcome"));
            Assert.Equal(30, motd.Count);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>A cluster that loses a primary: a cluster of its own, since the test kills a node.</summary>
public sealed class ClusterFailureTests
{
    /// <summary>
    /// The other primaries keep answering for their slots (full coverage not required), so leaving
    /// the dead one out of SCAN would answer short; the core must fail instead, or be reported missing.
    /// </summary>
    /// <summary>
    /// The dead primary by its address while the client still has it in the cluster's slot map; once
    /// the cluster has marked it failed, it leaves the map (seen under load), and the slots it served
    /// are what is named.
    /// </summary>
    private static void NamesTheLoss(string message, string dead) =>
        Assert.True(message.Contains(dead, StringComparison.Ordinal) || message.Contains("of its 16384 slots (a primary failed or left", StringComparison.Ordinal), message);

    [Fact]
    public async Task A_dead_primary_fails_the_cluster_core_instead_of_answering_short()
    {
        var cluster = new RedisClusterFixture { RequireFullCoverage = false };
        await cluster.InitializeAsync();
        try
        {
            var fleet = new SyntheticFleet(300, 44);
            var seed = ServerAddress.Parse(cluster.Addresses[0]);
            await FleetGenerator.GenerateAsync(fleet, seed, PayloadCodec.Lz4, null, plain: false, CancellationToken.None);
            cluster.Kill(2);

            await using (var strict = new FleetQuery(FleetTopology.FromServers([seed]), new QueryTargeting { Scan = true }))
            {
                var e = await Assert.ThrowsAsync<SysopsFastException>(() => strict.SearchAsync(SyntheticFleet.HeadlineObject));
                Assert.Equal(ErrorRemedy.AllowPartial, e.Remedy);
                NamesTheLoss(e.Message, cluster.Addresses[2]);
            }
            await using (var partial = new FleetQuery(FleetTopology.FromServers([seed]), new QueryTargeting { Scan = true, AllowPartial = true }))
            {
                var found = await partial.SearchAsync(SyntheticFleet.HeadlineObject);
                NamesTheLoss(Assert.Single(found.Summary.CoresMissing), cluster.Addresses[2]);
            }
            await using (var viaCatalog = new FleetQuery(FleetTopology.FromServers([seed]), new QueryTargeting()))
            {
                var e = await Assert.ThrowsAsync<SysopsFastException>(() => viaCatalog.GrepUniqAsync(new GrepRequest(SyntheticFleet.HeadlineObject, SyntheticFleet.HeadlinePattern)));
                Assert.Equal(ErrorRemedy.AllowPartial, e.Remedy);
            }
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>
    /// A primary that stops answering while a query reads it fails the core in about a second, long
    /// before the 10 s command timeout (its PING, on a connection of its own, goes unanswered while
    /// the other primaries answer theirs: ClusterLiveness), and one that dies fails it at once (its
    /// connection drops); both are named. Never a short answer.
    /// </summary>
    [Fact]
    public async Task A_primary_lost_during_a_query_fails_the_core_promptly_naming_it()
    {
        var cluster = new RedisClusterFixture { RequireFullCoverage = false };
        await cluster.InitializeAsync();
        try
        {
            var seed = ServerAddress.Parse(cluster.Addresses[0]);
            await FleetGenerator.GenerateAsync(new SyntheticFleet(600, 45), seed, PayloadCodec.Lz4, null, plain: false, CancellationToken.None);
            var options = new ExtractOptions { ScanPageSize = 10, MaxKeysPerBatch = 16, Workers = 1, BatchQueueCapacity = 2 };

            var (paused, pausedAfter) = await LoseDuringQueryAsync(seed, options, () => cluster.Pause(2));
            cluster.Resume(2);
            Assert.Contains($"the cluster's primary {cluster.Addresses[2]} stopped answering", paused.Message, StringComparison.Ordinal);
            // The command timeout is 10 s (the watchdog alone took that long).
            Assert.True(pausedAfter < TimeSpan.FromSeconds(5), $"the paused primary was given up after {pausedAfter}");

            var (killed, killedAfter) = await LoseDuringQueryAsync(seed, options, () => cluster.Kill(1));
            Assert.Contains($"connection to {cluster.Addresses[1]} lost", killed.Message, StringComparison.Ordinal);
            Assert.True(killedAfter < TimeSpan.FromSeconds(3), $"the dead primary was given up after {killedAfter}");
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>Holds a query after its first batch, loses a node, lets the query go on: its error, and how long after the release it came.</summary>
    private static async Task<(SysopsFastException Error, TimeSpan After)> LoseDuringQueryAsync(ServerAddress seed, ExtractOptions options, Action lose)
    {
        await using var query = new FleetQuery([seed], options);
        var (running, _, clock) = await HoldingReader.LoseMidQueryAsync(query, lose);
        var e = await Assert.ThrowsAsync<SysopsFastException>(() => running);
        Assert.Equal(ErrorRemedy.AllowPartial, e.Remedy);
        return (e, clock.Elapsed);
    }
}
