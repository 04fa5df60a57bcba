using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Push;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>A 3-primary Redis Cluster that speaks only TLS, its bus included (redis-cli --tls --cluster create).</summary>
public sealed class TlsRedisClusterFixture : RedisClusterFixture
{
    public TestCertificates Certificates { get; } = TestCertificates.Create();

    protected override IEnumerable<string> NodeArguments(int port) =>
    [
        "--port", "0", "--tls-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--tls-cluster", "yes",
        "--tls-cert-file", Certificates.Server.Cert, "--tls-key-file", Certificates.Server.Key,
        "--tls-ca-cert-file", Certificates.CaFile, "--tls-auth-clients", "no",
    ];

    protected override IEnumerable<string> CliArguments => ["--tls", "--cacert", Certificates.CaFile];

    protected override ConfigurationOptions ProbeOptions(string address)
    {
        var options = base.ProbeOptions(address);
        options.Ssl = true;
        options.TrustIssuer(Certificates.CaFile);
        return options;
    }

    /// <summary>A node's rediss:// address with the fixture's CA.</summary>
    public ServerAddress Seed(int node) => ServerAddress.Parse($"rediss://{Addresses[node]}").WithTls(new TlsFiles(Certificates.CaFile));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Certificates.Dispose();
    }
}

public sealed class TlsClusterTests(TlsRedisClusterFixture cluster) : IClassFixture<TlsRedisClusterFixture>
{
    [Fact]
    public async Task A_tls_cluster_is_written_pushed_and_queried_through_any_node()
    {
        var fleet = new SyntheticFleet(200, 7);
        await FleetGenerator.GenerateAsync(fleet, cluster.Seed(0), PayloadCodec.Lz4, null, plain: false, CancellationToken.None);

        var dir = Directory.CreateTempSubdirectory("sysops-fast-tls-cluster-push-").FullName;
        try
        {
            for (var i = 0; i < 10; i++)
            {
                File.WriteAllText(Path.Combine(dir, $"cmd-{i}"), $"value {i}\n");
            }
            var outcomes = await PushAgent.PushAsync("pushed.example.org", PushAgent.CollectDirectory(dir, 1), [cluster.Seed(2)], null, TimeSpan.FromSeconds(10), CancellationToken.None);
            Assert.Equal(10, Assert.Single(outcomes).Written);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        await using var query = new FleetQuery([cluster.Seed(1)]);
        // Detected as a cluster by our own TLS connection's handshake, then read over our own TLS connection to each primary.
        Assert.IsType<ClusterQueryServer>(await query.Connections.QueryServerAsync(cluster.Seed(1)));
        var (counts, result) = await query.GrepUniqAsync(new GrepRequest(SyntheticFleet.HeadlineObject, SyntheticFleet.HeadlinePattern));
        Assert.Equal(fleet.ExpectedUniq(), counts);
        Assert.Empty(result.Summary.Corrupt);
        var pushed = new List<GrepLine>();
        await foreach (var line in query.GrepLinesAsync(new GrepRequest("pushed.example.org#cmd/*", "value")))
        {
            pushed.Add(line);
        }
        Assert.Equal(10, pushed.Count);
    }

    [Fact]
    public async Task A_tls_cluster_node_with_the_wrong_ca_is_refused_naming_the_cause()
    {
        var wrong = ServerAddress.Parse($"rediss://{cluster.Addresses[0]}").WithTls(new TlsFiles(cluster.Certificates.OtherCaFile));
        await using var query = new FleetQuery([wrong]);
        var e = await Assert.ThrowsAsync<SysopsFastException>(() => query.GrepUniqAsync(new GrepRequest(SyntheticFleet.HeadlineObject, "x")));
        Assert.Contains($"not signed by the CA in '{cluster.Certificates.OtherCaFile}'", e.Message, StringComparison.Ordinal);
    }
}
