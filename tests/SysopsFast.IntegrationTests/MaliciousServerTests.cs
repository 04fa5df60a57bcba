using System.Text;
using SysopsFast.Format;
using Xunit;
using Xunit.Abstractions;

namespace SysopsFast.IntegrationTests;

/// <summary>What a hostile server does to the one command it attacks.</summary>
public enum Hostility
{
    /// <summary>An integer where a bulk string (or an array of them) is expected.</summary>
    IntegerForBulk,

    /// <summary>An array where a bulk string is expected.</summary>
    ArrayForBulk,

    /// <summary><c>$1000000000</c>, then a few bytes every 50 ms, for ever.</summary>
    EndlessTricklingBulk,

    /// <summary><c>$1000000000</c>, then bytes as fast as the socket takes them.</summary>
    EndlessFloodedBulk,

    /// <summary>An array of a million elements of 64 KiB each, as fast as the socket takes them: every length believable, the whole 64 GB.</summary>
    EndlessArray,

    /// <summary><c>*2147483647</c>, then elements as fast as the socket takes them.</summary>
    HugeArrayCount,

    /// <summary>A bulk string of 100 MB arriving 2 KB every 50 ms: under every size limit, but it would take hours.</summary>
    SlowBulk,

    /// <summary><c>$4294967296</c>: a 4 GB length prefix.</summary>
    FourGigabyteLength,

    /// <summary><c>$-5</c>.</summary>
    NegativeLength,

    /// <summary><c>$12abc</c>.</summary>
    GarbageLength,

    /// <summary><c>*1</c> a million times over, then an integer.</summary>
    DeepNesting,

    /// <summary><c>*1</c> for ever.</summary>
    EndlessNesting,

    /// <summary>No reply at all, the connection left open.</summary>
    Silence,
}

/// <summary>
/// A server that answers the client's handshake and the commands of a grep plausibly (no key
/// catalog, one key found by SCAN, one valid record for it), except for one command, which it
/// answers with <paramref name="hostility"/>; over TLS when given a <paramref name="certificate"/>.
/// </summary>
public sealed class MaliciousServer(string attacked, Hostility hostility, (string Cert, string Key)? certificate = null)
    : ScriptedRespServer((command, stream, stop) => AnswerAsync(command, stream, attacked, hostility, stop), certificate)
{
    public const string Key = "evil.example.org#motd";

    private static readonly byte[] Record = RecordEncoder.Encode("needle in the motd\n"u8, new FileStat(0x81a4, 0, 0, 19, 1_700_000_000), 1_700_000_000_000, PayloadCodec.None);

    private static async Task AnswerAsync(string[] command, Stream stream, string attacked, Hostility hostility, CancellationToken stop)
    {
        var name = command[0].ToUpperInvariant();
        if (name == attacked)
        {
            await AttackAsync(stream, hostility, stop);
            return;
        }
        var reply = name switch
        {
            // No key catalog: keys come from SCAN; the one key exists (history checks it).
            "EXISTS" => command[1] == Key ? ":1\r\n"u8.ToArray() : ":0\r\n"u8.ToArray(),
            "STRLEN" => Encoding.ASCII.GetBytes($":{Record.Length}\r\n"),
            "GETRANGE" => Bulk(Record.AsSpan(0, Math.Min(Record.Length, int.Parse(command[3], System.Globalization.CultureInfo.InvariantCulture) + 1))),
            "LRANGE" => "*0\r\n"u8.ToArray(),
            "INFO" => Bulk("# Cluster\r\ncluster_enabled:0\r\n"u8),
            // No dictionaries or bases: one empty page, the scan over.
            "ZSCAN" => "*2\r\n$1\r\n0\r\n*0\r\n"u8.ToArray(),
            "SCAN" => [.. "*2\r\n$1\r\n0\r\n*1\r\n"u8, .. Bulk(Encoding.UTF8.GetBytes(Key))],
            "MGET" => [.. Encoding.ASCII.GetBytes($"*{command.Length - 1}\r\n"), .. Enumerable.Range(1, command.Length - 1).SelectMany(i => command[i] == Key ? Bulk(Record) : "$-1\r\n"u8.ToArray())],
            "XADD" => Bulk("1-0"u8),
            "PUBLISH" or "ZREM" => ":0\r\n"u8.ToArray(),
            _ => "+OK\r\n"u8.ToArray(),
        };
        await stream.WriteAsync(reply, stop);
    }

    private static byte[] Bulk(ReadOnlySpan<byte> value) => [.. Encoding.ASCII.GetBytes($"${value.Length}\r\n"), .. value, .. "\r\n"u8];

    /// <summary>What comes after an attack's first bytes.</summary>
    private enum Then
    {
        Nothing,

        /// <summary>A chunk every 50 ms, for ever.</summary>
        Trickle,

        /// <summary>The chunk again and again, as fast as the socket takes it.</summary>
        Flood,

        /// <summary>The connection left open, silent.</summary>
        Silence,
    }

    private static (byte[] First, Then Then, byte[] Chunk) Plan(Hostility hostility) => hostility switch
    {
        Hostility.IntegerForBulk => (":42\r\n"u8.ToArray(), Then.Nothing, []),
        // The shape of each command's reply, with an array in the place of its first string.
        Hostility.ArrayForBulk => ("*2\r\n*1\r\n$1\r\n0\r\n*1\r\n*0\r\n"u8.ToArray(), Then.Nothing, []),
        Hostility.EndlessTricklingBulk => ("$1000000000\r\n"u8.ToArray(), Then.Trickle, Letters(4096)),
        Hostility.EndlessFloodedBulk => ("$1000000000\r\n"u8.ToArray(), Then.Flood, Letters(64 * 1024)),
        Hostility.EndlessArray => ("*1000000\r\n"u8.ToArray(), Then.Flood, Bulk(Letters(64 * 1024))),
        Hostility.HugeArrayCount => ("*2147483647\r\n"u8.ToArray(), Then.Flood, Bulk(Letters(64 * 1024))),
        Hostility.SlowBulk => ("*1\r\n$100000000\r\n"u8.ToArray(), Then.Trickle, Letters(2048)),
        Hostility.FourGigabyteLength => ("*1\r\n$4294967296\r\n"u8.ToArray(), Then.Flood, Letters(64 * 1024)),
        Hostility.NegativeLength => ("*1\r\n$-5\r\nabcde\r\n"u8.ToArray(), Then.Nothing, []),
        Hostility.GarbageLength => ("*1\r\n$12abc\r\nabcdefghijkl\r\n"u8.ToArray(), Then.Nothing, []),
        Hostility.DeepNesting => ([.. Enumerable.Repeat("*1\r\n"u8.ToArray(), 1_000_000).SelectMany(b => b), .. ":1\r\n"u8], Then.Nothing, []),
        Hostility.EndlessNesting => ([], Then.Flood, [.. Enumerable.Repeat("*1\r\n"u8.ToArray(), 16 * 1024).SelectMany(b => b)]),
        _ => ([], Then.Silence, []),
    };

    private static byte[] Letters(int length)
    {
        var letters = new byte[length];
        letters.AsSpan().Fill((byte)'a');
        return letters;
    }

    private static async Task AttackAsync(Stream stream, Hostility hostility, CancellationToken stop)
    {
        var (first, then, chunk) = Plan(hostility);
        await stream.WriteAsync(first, stop);
        while (then != Then.Nothing)
        {
            if (then == Then.Silence)
            {
                await Task.Delay(Timeout.Infinite, stop);
            }
            await stream.WriteAsync(chunk, stop);
            if (then == Then.Trickle)
            {
                await Task.Delay(50, stop);
            }
        }
    }
}

/// <summary>
/// A malicious or broken server: each attack, on each command a query sends, ends in one clear line
/// naming the server and exit code 2, within the command timeout, with the client's memory bounded.
/// </summary>
public sealed class MaliciousServerTests(ITestOutputHelper output)
{
    public static TheoryData<string, Hostility> Attacks()
    {
        var data = new TheoryData<string, Hostility>();
        // ZSCAN: grep loads the dictionaries and bases a page at a time.
        foreach (var command in new[] { "MGET", "SCAN", "ZSCAN", "GETRANGE" })
        {
            data.Add(command, Hostility.IntegerForBulk);
            data.Add(command, Hostility.ArrayForBulk);
        }
        foreach (var hostility in Enum.GetValues<Hostility>().Where(h => h is not (Hostility.IntegerForBulk or Hostility.ArrayForBulk)))
        {
            data.Add("MGET", hostility);
        }
        // history reads each key's list with LRANGE.
        foreach (var hostility in new[] { Hostility.IntegerForBulk, Hostility.ArrayForBulk, Hostility.EndlessArray, Hostility.HugeArrayCount, Hostility.DeepNesting, Hostility.EndlessFloodedBulk, Hostility.Silence })
        {
            data.Add("LRANGE", hostility);
        }
        data.Add("SCAN", Hostility.EndlessFloodedBulk);
        data.Add("SCAN", Hostility.DeepNesting);
        data.Add("INFO", Hostility.Silence);
        return data;
    }

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task Each_attack_is_one_clear_line_naming_the_server_with_memory_bounded(string command, Hostility hostility)
    {
        using var server = new MaliciousServer(command, hostility);
        var run = await MeasuredCli.RunAsync([.. QueryOf(command), "--server", server.Address]);
        output.WriteLine($"{command} {hostility}: {run}");
        // Else the query failed on an earlier step (or never needed the command), and the attack proved nothing.
        Assert.True(server.Received(command), $"the query never sent {command}: {run}");
        IsOneClearLine(run, server.Address);
    }

    /// <summary>The query that sends <paramref name="command"/>: header reads (pipelined GETRANGE) are what search --md5sum does, history reads each key's list with LRANGE.</summary>
    private static string[] QueryOf(string command) => command switch
    {
        "GETRANGE" => ["search", "motd", "--md5sum"],
        "LRANGE" => ["history", "motd"],
        _ => ["grep", "motd", "needle"],
    };

    /// <summary>
    /// The same attacks over TLS, where replies are read ahead of the parser (<c>ReadAheadTransport</c>):
    /// a flood fills the read-ahead ring and must stop there, silence and trickles must still reach
    /// the command timeout, garbage must still be one line.
    /// </summary>
    public static TheoryData<Hostility> TlsAttacks() =>
    [
        Hostility.IntegerForBulk, Hostility.GarbageLength, Hostility.EndlessFloodedBulk, Hostility.EndlessArray,
        Hostility.HugeArrayCount, Hostility.SlowBulk, Hostility.EndlessTricklingBulk, Hostility.Silence,
    ];

    [Theory]
    [MemberData(nameof(TlsAttacks))]
    public async Task Each_attack_over_tls_is_one_clear_line_with_memory_bounded(Hostility hostility)
    {
        using var certificates = TestCertificates.Create();
        using var server = new MaliciousServer("MGET", hostility, certificates.Server);
        var address = "rediss://" + server.Address;
        var run = await MeasuredCli.RunAsync("grep", "motd", "needle", "--server", address, "--tls-ca", certificates.CaFile);
        output.WriteLine($"MGET {hostility} over TLS: {run}");
        Assert.True(server.Received("MGET"), $"the query never sent MGET: {run}");
        IsOneClearLine(run, server.Address);
    }

    /// <summary>
    /// Unattacked, the scripted server answers each query the attacks use, whole: so an attack's
    /// failure is its own, not an answer the script gets wrong (ZSCAN's +OK once failed every grep).
    /// </summary>
    [Theory]
    [InlineData("GETRANGE", "2231c62783d42be2e9cb53343fd89ec7\n")]
    [InlineData("LRANGE", MaliciousServer.Key + "\n    0  ")]
    [InlineData("MGET", "needle in the motd\n")]
    public async Task Unattacked_the_server_answers_each_query(string command, string printed)
    {
        using var server = new MaliciousServer("NONE", Hostility.Silence);
        var run = await MeasuredCli.RunAsync([.. QueryOf(command), "--server", server.Address]);
        output.WriteLine($"{command} unattacked: {run}");
        Assert.True(run.Exit == 0, run.ToString());
        Assert.StartsWith(printed, run.StdoutText, StringComparison.Ordinal);
    }

    /// <summary>Exit 2, one line naming the server, no stack trace, memory bounded, within the command timeout.</summary>
    internal static void IsOneClearLine(CliRun run, string server)
    {
        Assert.True(run.Exit == 2, run.ToString());
        Assert.Contains(server, run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Stderr, StringComparison.Ordinal);
        Assert.True(run.PeakRssKb < MeasuredCli.MaxRssKb, run.ToString());
        // The command timeout (10 s) plus start-up; no attack may hold the query longer.
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(40), run.ToString());
    }
}
