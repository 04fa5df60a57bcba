using SysopsFast.Fleet;
using SysopsFast.Grep;
using SysopsFast.Output;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>The real CLI against a replicated fleet: --topology, the topology doctor, --allow-partial, Range.</summary>
public sealed class CliTopologyTests
{
    [Fact]
    public async Task Topology_file_end_to_end()
    {
        await using var spread = await ReplicatedFleet.StartAsync(240, 61);
        var expected = UniqPrinter.Text(spread.Fleet.ExpectedUniq());

        var (exit, stdout, stderr) = await CliProcessTests.Run("grep", "sysctl-a", "net.core.netdev_budget", "--uniq", "--topology", spread.TopologyFile);
        Assert.Equal(0, exit);
        Assert.Equal(expected, stdout);
        Assert.Contains("3 of 3 cores answered", stderr, StringComparison.Ordinal);

        (exit, stdout, _) = await CliProcessTests.Run("topology", "--topology", spread.TopologyFile);
        Assert.Equal(0, exit);
        Assert.Equal(6, stdout.Split('\n').Count(l => l.Contains("ok, PING", StringComparison.Ordinal)));

        spread.Servers[2][0].Kill();
        spread.Servers[2][1].Kill();
        (exit, stdout, _) = await CliProcessTests.Run("topology", "--topology", spread.TopologyFile);
        Assert.Equal(2, exit);
        Assert.Contains("lva1/core2", stdout.Split('\n').Single(l => l.Contains("NO LIVE SERVER", StringComparison.Ordinal)), StringComparison.Ordinal);

        (exit, _, stderr) = await CliProcessTests.Run("grep", "sysctl-a", "net.core.netdev_budget", "--uniq", "--topology", spread.TopologyFile);
        Assert.Equal(2, exit);
        Assert.Contains("no server of core lva1/core2 answered", stderr, StringComparison.Ordinal);

        (exit, stdout, stderr) = await CliProcessTests.Run("grep", "sysctl-a", "net.core.netdev_budget", "--uniq", "--topology", spread.TopologyFile, "--allow-partial", "--scope", "site", "--site", "eat1");
        Assert.Equal(0, exit);
        Assert.Equal(2 * 240 / 3, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("_usecs", StringComparison.Ordinal)).Sum(l => int.Parse(l.Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)));

        (exit, stdout, stderr) = await CliProcessTests.Run("grep", "sysctl-a", "net.core.netdev_budget", "--uniq", "--topology", spread.TopologyFile, "--allow-partial");
        Assert.Equal(0, exit);
        Assert.Contains("PARTIAL ANSWER", stderr, StringComparison.Ordinal);
        Assert.Contains("lva1/core2", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_list_file_and_glob_restrict_the_cli_answer()
    {
        await using var spread = await ReplicatedFleet.StartAsync(60, 63);
        var list = Path.GetTempFileName();
        try
        {
            // eat1 hosts are 0, 3, 6, …; lva1 hosts 1, 4, …
            await File.WriteAllTextAsync(list, $"# canaries\n{SyntheticFleet.HostName(0)}\n{SyntheticFleet.HostName(1)}\n\n{SyntheticFleet.HostName(3)}  # db\n");
            var (exit, stdout, stderr) = await CliProcessTests.Run("grep", "sysctl-a", "kernel.hostname", "-H", "--topology", spread.TopologyFile, "--hosts", list, "--host", "eat1-*");
            Assert.True(exit == 0, stderr);
            Assert.Equal(new[] { SyntheticFleet.HostName(0), SyntheticFleet.HostName(3) }, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':')[0]).Order(StringComparer.Ordinal));
        }
        finally
        {
            File.Delete(list);
        }
    }

    [Fact]
    public async Task Range_end_to_end()
    {
        await using var spread = await ReplicatedFleet.StartAsync(120, 62);
        var chosen = new[] { 0, 5, 10, 11 }.Select(SyntheticFleet.HostName).ToArray();
        using var range = new FakeRangeServer(new()
        {
            ["%cf3.promises.eat1-mps-cores"] = ["c0", "c1", "c2"],
            ["%c0"] = spread.Servers[0].Select(s => s.Address).ToArray(),
            ["%c1"] = spread.Servers[1].Select(s => s.Address).ToArray(),
            ["%c2"] = spread.Servers[2].Select(s => s.Address).ToArray(),
            ["%canary,&web"] = chosen,
        });
        var (exit, stdout, stderr) = await CliProcessTests.Run("grep", "sysctl-a", "kernel.hostname", "-H", "--range-server", range.Address, "--site", "eat1", "--range-query", "%canary,&web");
        Assert.True(exit == 0, stderr);
        Assert.Equal(chosen.Order(StringComparer.Ordinal), stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':')[0]).Order(StringComparer.Ordinal));
        Assert.Contains("%canary,&web", range.Asked);
    }
}
