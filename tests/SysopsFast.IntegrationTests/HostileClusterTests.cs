using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace SysopsFast.IntegrationTests;

/// <summary>What a hostile cluster node answers (it says cluster_enabled:1 in its handshake).</summary>
public enum ClusterHostility
{
    /// <summary>A slot map that serves slots 0 to 100 only.</summary>
    MapWithAHole,

    /// <summary>A slot map of 1,025 primaries, more than a cluster has.</summary>
    TooManyPrimaries,

    /// <summary>A slot map whose range ends at slot 20,000.</summary>
    SlotOutOfRange,

    /// <summary>A slot map of <c>*1</c> nested for ever.</summary>
    EndlessNestedMap,

    /// <summary>CLUSTER SHARDS and SLOTS refused: no map at all.</summary>
    NoMap,

    /// <summary>Every slot on a primary at a port nobody listens on.</summary>
    UnreachablePrimary,

    /// <summary>Every keyed command answered MOVED to the node itself.</summary>
    MovedForEver,

    /// <summary>Every keyed command answered ASK to the node itself.</summary>
    AskForEver,
}

/// <summary>
/// A node that answers the handshake as a cluster node, then attacks the cluster client: each attack
/// ends in one clear line naming the node and exit 2, within the command timeout, memory bounded.
/// </summary>
public sealed class HostileClusterTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ClusterHostility.MapWithAHole, "serves 101 of its 16384 slots")]
    [InlineData(ClusterHostility.TooManyPrimaries, "more than 1024 primaries")]
    [InlineData(ClusterHostility.SlotOutOfRange, "'20000' is not a hash slot")]
    [InlineData(ClusterHostility.EndlessNestedMap, "")]
    [InlineData(ClusterHostility.NoMap, "CLUSTER SLOTS failed")]
    [InlineData(ClusterHostility.UnreachablePrimary, "the cluster's primary 127.0.0.1:1 cannot be reached")]
    [InlineData(ClusterHostility.MovedForEver, "redirected 16 times in a row")]
    [InlineData(ClusterHostility.AskForEver, "redirected 16 times in a row")]
    public async Task Each_attack_is_one_clear_line_naming_the_node(ClusterHostility hostility, string reason)
    {
        var self = 0;
        using var node = new ScriptedRespServer((command, stream, stop) => AnswerAsync(command, stream, hostility, self, stop));
        self = node.Port;
        var run = await MeasuredCli.RunAsync("grep", "motd", "needle", "--server", node.Address);
        output.WriteLine($"{hostility}: {run}");
        MaliciousServerTests.IsOneClearLine(run, node.Address);
        Assert.Contains(reason, run.Stderr, StringComparison.Ordinal);
    }

    private static async Task AnswerAsync(string[] command, Stream stream, ClusterHostility hostility, int self, CancellationToken stop)
    {
        var name = command[0].ToUpperInvariant();
        if (name == "CLUSTER" && hostility == ClusterHostility.EndlessNestedMap)
        {
            var nesting = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("*1\r\n", 16 * 1024)));
            while (true)
            {
                await stream.WriteAsync(nesting, stop);
            }
        }
        var reply = name switch
        {
            "INFO" => Bulk("# Cluster\r\ncluster_enabled:1\r\n"),
            "CLUSTER" when hostility == ClusterHostility.NoMap => Encoding.ASCII.GetBytes("-ERR unknown subcommand\r\n"),
            "CLUSTER" => Map(hostility, self),
            "AUTH" or "SELECT" or "PING" or "ASKING" => Encoding.ASCII.GetBytes("+OK\r\n"),
            _ when hostility == ClusterHostility.AskForEver => Encoding.ASCII.GetBytes($"-ASK 1 127.0.0.1:{self}\r\n"),
            _ => Encoding.ASCII.GetBytes($"-MOVED 1 127.0.0.1:{self}\r\n"),
        };
        await stream.WriteAsync(reply, stop);
    }

    /// <summary>A CLUSTER SHARDS reply: shards of [first, last] slot ranges, each on one primary at <paramref name="self"/> (or port 1).</summary>
    private static byte[] Map(ClusterHostility hostility, int self)
    {
        var ranges = hostility switch
        {
            ClusterHostility.MapWithAHole => [(0, 100)],
            ClusterHostility.TooManyPrimaries => Enumerable.Range(0, 1025).Select(i => (i, i == 1024 ? 16383 : i)).ToArray(),
            ClusterHostility.SlotOutOfRange => [(0, 20000)],
            _ => new[] { (0, 16383) },
        };
        var port = hostility == ClusterHostility.UnreachablePrimary ? 1 : self;
        var shards = ranges.Select((r, i) => Array(
            Bulk("slots"), Array(Int(r.Item1), Int(r.Item2)),
            Bulk("nodes"), Array(Array(Bulk("port"), Int(hostility == ClusterHostility.TooManyPrimaries ? 1000 + i : port), Bulk("ip"), Bulk("127.0.0.1"), Bulk("role"), Bulk("master"), Bulk("health"), Bulk("online")))));
        return Array([.. shards]);
    }

    private static byte[] Bulk(string value) => Encoding.ASCII.GetBytes($"${value.Length}\r\n{value}\r\n");

    private static byte[] Int(int value) => Encoding.ASCII.GetBytes($":{value}\r\n");

    private static byte[] Array(params byte[][] elements) => [.. Encoding.ASCII.GetBytes($"*{elements.Length}\r\n"), .. elements.SelectMany(e => e)];
}
