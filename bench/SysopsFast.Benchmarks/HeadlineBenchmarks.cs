using BenchmarkDotNet.Attributes;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Redis;

namespace SysopsFast.Benchmarks;

/// <summary>
/// The headline (<c>grep sysctl-a net.core.netdev_budget --uniq</c>) as a long-lived embedding
/// program runs it: one <see cref="FleetQuery"/>, warm (connections open, dictionaries loaded,
/// matcher built by an earlier query), through the public API only, against a real redis-server
/// holding a generated fleet of <see cref="Hosts"/> hosts (ZstdDictionary, as <c>fleet generate</c>
/// writes it, or <see cref="Codec"/>). Audited as any embedded query is. What it allocates per query is the figure
/// (issue 17: ≤ 1 MB); every answer is checked against the generator's.
/// </summary>
[MemoryDiagnoser]
public class HeadlineBenchmarks
{
    /// <summary>4,000 by default; HEADLINE_HOSTS sets another size (24,000 to set it beside bench/macro/serve.sh's figures).</summary>
    public static readonly int Hosts = int.TryParse(Environment.GetEnvironmentVariable("HEADLINE_HOSTS"), System.Globalization.CultureInfo.InvariantCulture, out var hosts) && hosts > 0 ? hosts : 4000;

    /// <summary>ZstdDictionary by default; HEADLINE_CODEC=LineDelta writes the fleet as line delta records (issue 18 §1).</summary>
    public static readonly PayloadCodec Codec = Enum.TryParse<PayloadCodec>(Environment.GetEnvironmentVariable("HEADLINE_CODEC"), out var codec) ? codec : PayloadCodec.ZstdDictionary;

    private static readonly GrepRequest Request = new(SyntheticFleet.HeadlineObject, SyntheticFleet.HeadlinePattern);

    /// <summary>HEADLINE_CLUSTER=1: the fleet in a 3-primary Redis Cluster of the benchmark's own instead of one redis-server.</summary>
    public static readonly bool Cluster = Environment.GetEnvironmentVariable("HEADLINE_CLUSTER") == "1";

    private IAsyncDisposable? _redis;
    private FleetQuery? _query;
    private Dictionary<string, long> _expected = [];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        ServerAddress server;
        if (Cluster)
        {
            var cluster = await BenchCluster.StartAsync();
            (_redis, server) = (cluster, ServerAddress.Parse(cluster.Seed));
        }
        else
        {
            var redis = await BenchRedis.StartAsync();
            (_redis, server) = (redis, ServerAddress.Parse($"127.0.0.1:{redis.Port}"));
        }
        var fleet = new SyntheticFleet(Hosts, 1);
        await FleetGenerator.GenerateAsync(fleet, server, Codec, null, plain: false, CancellationToken.None);
        _expected = fleet.ExpectedUniq().ToDictionary(c => c.Line, c => c.Count, StringComparer.Ordinal);
        _query = new FleetQuery([server]);
        await HeadlineAsync(); // warm: connect, load dictionaries, build the matcher
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _query!.DisposeAsync();
        await _redis!.DisposeAsync();
    }

    /// <summary>What the last query read (the probe reports bytes per host from it).</summary>
    public Pipeline.ExtractSummary? Last { get; private set; }

    /// <summary>One warm headline query; throws when its answer is not the generator's.</summary>
    [Benchmark]
    public async Task<int> HeadlineAsync()
    {
        var (counts, result) = await _query!.GrepUniqAsync(Request);
        Last = result.Summary;
        var right = result.Summary.Corrupt.Count == 0 && counts.Count == _expected.Count
            && counts.All(c => _expected.GetValueOrDefault(c.Line) == c.Count);
        return right ? counts.Count : throw new InvalidOperationException("the headline's answer is not the generator's");
    }
}
