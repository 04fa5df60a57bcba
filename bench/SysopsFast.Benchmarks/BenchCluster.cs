using System.Diagnostics;
using System.Globalization;

namespace SysopsFast.Benchmarks;

/// <summary>
/// A 3-primary Redis Cluster of a benchmark's own (HEADLINE_CLUSTER=1): three <see cref="BenchRedis"/>
/// nodes joined by <c>redis-cli --cluster create</c>, stopped by their PIDs.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sysops-fast-bench-cluster-").FullName;
    private readonly List<BenchRedis> _nodes = [];

    /// <summary>A node's address, the seed queries are given.</summary>
    public string Seed => $"127.0.0.1:{_nodes[0].Port}";

    public static async Task<BenchCluster> StartAsync()
    {
        var cluster = new BenchCluster();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                cluster._nodes.Add(await BenchRedis.StartAsync(clusterConfig: Path.Combine(cluster._dir, $"nodes-{i}.conf")));
            }
            await RedisCliAsync(["--cluster", "create", .. cluster._nodes.Select(n => $"127.0.0.1:{n.Port}"), "--cluster-replicas", "0", "--cluster-yes"]);
            foreach (var node in cluster._nodes)
            {
                while (!(await RedisCliAsync(["-p", node.Port.ToString(CultureInfo.InvariantCulture), "cluster", "info"])).Contains("cluster_state:ok", StringComparison.Ordinal))
                {
                    await Task.Delay(100);
                }
            }
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private static async Task<string> RedisCliAsync(string[] args)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var p = Process.Start(start)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        var error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return p.ExitCode == 0 ? output : throw new InvalidOperationException($"redis-cli {string.Join(' ', args)} failed: {output}{error}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
        Directory.Delete(_dir, recursive: true);
    }
}
