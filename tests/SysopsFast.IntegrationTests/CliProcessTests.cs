using System.Diagnostics;
using SysopsFast.Cli.Commands;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>The real `sysops-fast` process: exit codes and one-line errors, never a stack trace.</summary>
public sealed class CliProcessTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    internal static Task<(int Exit, string Stdout, string Stderr)> Run(params string[] args) =>
        RunProgram("dotnet", null, [Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll"), .. args]);

    /// <summary>A program's exit code and output; one still running after 60 s is killed and the test fails.</summary>
    internal static async Task<(int Exit, string Stdout, string Stderr)> RunProgram(string program, string? workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory ?? "" };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        var (exit, stdout, stderr) = await ChildProcess.RunAsync(start, $"{program} {string.Join(' ', args)}");
        return (exit, System.Text.Encoding.UTF8.GetString(stdout), stderr);
    }

    [Theory]
    [InlineData(new[] { "grep" }, "Required argument")]
    [InlineData(new[] { "grep", "a", "b", "--bogus" }, "--bogus")]
    [InlineData(new[] { "grep", "sysctl-a", "x", "--server", "http://nope" }, "not a Redis address")]
    [InlineData(new[] { "fleet", "generate", "--hosts", "0" }, "the number of hosts must be at least 1 (--hosts)")]
    [InlineData(new[] { "import", "/nonexistent/dir" }, "is not a directory")]
    public async Task Bad_input_is_one_line_and_exit_2(string[] args, string expected)
    {
        var (exit, _, stderr) = await Run(args);
        Assert.Equal(2, exit);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_runs_the_embedded_server_as_a_child_process_and_checks_its_answer()
    {
        var port = RedisServerFixture.FreePort();
        var (exit, stdout, stderr) = await Run("demo", "--hosts", "200", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(exit == 0, stderr);
        Assert.Contains("Answer checked: exact match.", stdout, StringComparison.Ordinal);
        // The child was stopped: its port is free again.
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
        probe.Start();
    }

    [Fact]
    public async Task Unreachable_server_is_named()
    {
        var port = RedisServerFixture.FreePort();
        var (exit, _, stderr) = await Run("grep", "sysctl-a", "x", "--server", $"127.0.0.1:{port}");
        Assert.Equal(2, exit);
        Assert.Contains($"127.0.0.1:{port}", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Cli_grep_uniq_prints_the_expected_answer_and_exits_0()
    {
        var fleet = new SyntheticFleet(300, 11);
        var server = ServerAddress.Parse($"redis://{redis.Address}/9");
        await FleetGenerator.GenerateAsync(fleet, server, PayloadCodec.Lz4, null, plain: false, CancellationToken.None);
        var (exit, stdout, stderr) = await Run("grep", "sysctl-a", "net.core.netdev_budget", "--uniq", "--server", $"redis://{redis.Address}/9");
        Assert.Equal(0, exit);
        Assert.Equal("", stderr);
        Assert.Equal(Grep.UniqCountSinkFactory.Format(fleet.ExpectedUniq()), stdout);

        (exit, _, stderr) = await Run("grep", "sysctl-a", "net.core.netdev_budget", "--uniq", "--verbose", "--server", $"redis://{redis.Address}/9");
        Assert.Equal(0, exit);
        Assert.Matches(@"^sysops-fast: 300 records of 300 keys \([0-9.]+ MB fetched, [0-9.]+ MB decoded, 0 expired in between; keys by catalog\) from 1 core\(s\) in \d+ ms; 600 lines selected in 300 records\nsysops-fast: timeline \(ms\): process start → query \d+; then .*connected \d+.*first batch \d+.*fetched \d+, done \d+; JIT \d+ methods in \d+ ms\n$", stderr);
    }

    [Fact]
    public async Task Cancellation_mid_query_prints_a_partial_answer_and_exits_130()
    {
        var fleet = new SyntheticFleet(6000, 12);
        var server = ServerAddress.Parse($"redis://{redis.Address}/10");
        await FleetGenerator.GenerateAsync(fleet, server, PayloadCodec.Lz4, null, plain: false, CancellationToken.None);
        var stderr = new StringWriter();
        // What Ctrl-C does through System.CommandLine: the handler's token is cancelled mid-query,
        // here exactly when the first host's lines are written (a timer raced a fast query).
        using var cts = new CancellationTokenSource();
        using var stdout = new CancelOnFirstWrite(cts);
        var args = new GrepArguments("sysctl-a", "net.core.netdev_budget") { Servers = [server] };
        var exit = await Cli.CliRunner.RunAsync(() => GrepHandler.RunAsync(args, stdout, stderr, cts.Token), stderr, verbose: false);
        Assert.Equal(130, exit);
        Assert.Contains("interrupted", stderr.ToString(), StringComparison.Ordinal);
        var printed = System.Text.Encoding.UTF8.GetString(stdout.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.InRange(printed, 1, (2 * 6000) - 1);
    }

    /// <summary>Output that presses Ctrl-C when the first bytes arrive.</summary>
    private sealed class CancelOnFirstWrite(CancellationTokenSource cts) : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count)
        {
            base.Write(buffer, offset, count);
            cts.Cancel();
        }

        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);
    }
}
