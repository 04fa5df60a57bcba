using System.Net;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Redis;
using SysopsFast.Topology;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>A loopback HTTP server speaking Range's protocol: GET /range/list?&lt;expr&gt; → names, one per line.</summary>
public sealed class FakeRangeServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, string[]> _answers;
    private readonly Task _loop;

    public FakeRangeServer(Dictionary<string, string[]> answers)
    {
        _answers = answers;
        Port = RedisServerFixture.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public List<string> Asked { get; } = [];

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            var expression = Uri.UnescapeDataString(context.Request.Url!.Query.TrimStart('?'));
            lock (Asked)
            {
                Asked.Add(expression);
            }
            var found = _answers.TryGetValue(expression, out var names);
            context.Response.StatusCode = found && context.Request.Url.AbsolutePath == "/range/list" ? 200 : 404;
            var body = System.Text.Encoding.UTF8.GetBytes(found ? string.Concat(names!.Select(n => n + "\n")) : "NOTFOUND " + expression);
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}

public sealed class RangeTests
{
    [Fact]
    public async Task Range_resolves_cores_and_servers_and_restricts_hosts()
    {
        await using var spread = await ReplicatedFleet.StartAsync(300, 51);
        var some = spread.Fleet.HostIndices().Where(h => h % 7 == 0).Select(SyntheticFleet.HostName).ToArray();
        using var range = new FakeRangeServer(new()
        {
            ["%cf3.promises.eat1-mps-cores"] = ["eat1-core0", "eat1-core1", "eat1-core2"],
            ["%eat1-core0"] = spread.Servers[0].Select(s => s.Address).ToArray(),
            ["%eat1-core1"] = spread.Servers[1].Select(s => s.Address).ToArray(),
            ["%eat1-core2"] = spread.Servers[2].Select(s => s.Address).ToArray(),
            ["%sevens"] = some,
        });

        using var client = new RangeClient(range.Address);
        var topology = await client.TopologyAsync(["eat1"], CancellationToken.None);
        Assert.Equal(["eat1/eat1-core0", "eat1/eat1-core1", "eat1/eat1-core2"], topology.Cores.Select(c => c.Id));
        Assert.All(topology.Cores, c => Assert.Equal(2, c.Servers.Count));

        await using (var all = new FleetQuery(topology, new QueryTargeting()))
        {
            var (counts, _) = await all.GrepUniqAsync(new GrepRequest("sysctl-a", "net.core.netdev_budget"));
            Assert.Equal(spread.Fleet.ExpectedUniq(), counts);
        }

        var filter = new HostFilter().RequireOneOf(await client.ListAsync("%sevens", CancellationToken.None));
        await using (var restricted = new FleetQuery(topology, new QueryTargeting { Hosts = filter }))
        {
            var hosts = new HashSet<string>();
            await foreach (var line in restricted.GrepLinesAsync(new GrepRequest("sysctl-a", "kernel.hostname")))
            {
                hosts.Add(line.Host);
            }
            Assert.Equal(some.ToHashSet(), hosts);
        }

        var e = await Assert.ThrowsAsync<SysopsFastException>(() => client.ListAsync("%nosuch", CancellationToken.None));
        Assert.Contains("HTTP 404", e.Message, StringComparison.Ordinal);
        Assert.Contains(range.Address, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_glob_and_host_list_narrow_the_answer()
    {
        await using var redis = await RedisProcess.StartAsync();
        var fleet = new SyntheticFleet(90, 52);
        var server = ServerAddress.Parse(redis.Address);
        await FleetGenerator.GenerateAsync(fleet, server, PayloadCodec.Lz4, null, plain: false, CancellationToken.None);
        var listed = new[] { SyntheticFleet.HostName(0), SyntheticFleet.HostName(3), SyntheticFleet.HostName(4) }; // eat1, eat1, lva1
        var filter = new HostFilter().RequireOneOf(listed).RequireGlob("eat1-*");
        await using var query = new FleetQuery(FleetTopology.FromServers([server]), new QueryTargeting { Hosts = filter });
        var (counts, result) = await query.GrepUniqAsync(new GrepRequest("sysctl-a", "kernel.hostname"));
        Assert.Equal(2, counts.Sum(c => c.Count));
        Assert.Equal(2, result.Summary.RecordsRead);

        var none = new HostFilter().RequireGlob("nowhere-*");
        await using var empty = new FleetQuery(FleetTopology.FromServers([server]), new QueryTargeting { Hosts = none });
        var e = await Assert.ThrowsAsync<SysopsFastException>(() => empty.GrepUniqAsync(new GrepRequest("sysctl-a", "x")));
        Assert.Contains("nowhere-*", e.Message, StringComparison.Ordinal);
    }
}
