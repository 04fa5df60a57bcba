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

    /// <summary>The real `sysops-fast` with variables added to (or, when null, removed from) its environment.</summary>
    internal static Task<(int Exit, string Stdout, string Stderr)> RunWithEnvironment(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        RunProgram("dotnet", null, environment, [Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll"), .. args]);

    /// <summary>A program's exit code and output; one still running after 60 s is killed and the test fails.</summary>
    internal static Task<(int Exit, string Stdout, string Stderr)> RunProgram(string program, string? workingDirectory, params string[] args) =>
        RunProgram(program, workingDirectory, null, args);

    internal static async Task<(int Exit, string Stdout, string Stderr)> RunProgram(string program, string? workingDirectory, IReadOnlyDictionary<string, string?>? environment, string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory ?? "" };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }
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
    [InlineData(new[] { "push", "--ttl", "", "--server", "127.0.0.1:1" }, "'' is not a duration")]
    [InlineData(new[] { "push", "--timeout", "-1", "--server", "127.0.0.1:1" }, "'-1' is not a duration")]
    [InlineData(new[] { "push", "--timeout", "0", "--server", "127.0.0.1:1" }, "is no time to wait")]
    [InlineData(new[] { "import", "/nonexistent/dir", "--ttl", "1e400h" }, "'1e400h' is not a duration")]
    [InlineData(new[] { "fleet", "generate", "--ttl", "NaN" }, "'NaN' has an unknown unit")]
    [InlineData(new[] { "grep", "sysctl-a", "x", "--max-age", "99999999d" }, "out of range")]
    [InlineData(new[] { "grep", "sysctl-a", "x", "-m", "-1" }, "take a number of lines")]
    [InlineData(new[] { "grep", "sysctl-a", "x", "--uniq", "--show-hosts", "0" }, "--show-hosts takes a number of hosts")]
    [InlineData(new[] { "kv", "sysctl-a", "--show-hosts", "-3" }, "--show-hosts takes a number of hosts")]
    [InlineData(new[] { "grep", "sysctl-a", "x", "--server", "" }, "is not a Redis address")]
    public async Task Bad_input_is_one_line_and_exit_2(string[] args, string expected)
    {
        var (exit, _, stderr) = await Run(args);
        Assert.Equal(2, exit);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    /// <summary>The connect deadline's setting, when it is not a number of seconds, is one line naming it.</summary>
    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("1e9")]
    [InlineData("NaN")]
    public async Task A_bad_connect_timeout_setting_is_one_line_naming_it(string value)
    {
        var (exit, _, stderr) = await RunWithEnvironment(new Dictionary<string, string?> { ["SYSOPS_FAST_CONNECT_TIMEOUT"] = value }, "grep", "sysctl-a", "x", "--server", redis.Address);
        Assert.Equal(2, exit);
        Assert.Equal($"sysops-fast: SYSOPS_FAST_CONNECT_TIMEOUT='{value}' is not a number of seconds from 0.1 to 600; fix or unset it\n", stderr);
    }

    [Fact]
    public async Task Demo_runs_the_embedded_server_as_a_child_process_and_checks_its_answer()
    {
        var port = RedisServerFixture.FreePort();
        var (exit, stdout, stderr) = await Run("demo", "--hosts", "200", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--check-only");
        Assert.True(exit == 0, stderr);
        Assert.Contains("Answer checked: exact match.", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Ctrl-C", stdout, StringComparison.Ordinal);
        // The child was stopped: its port is free again.
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
        probe.Start();
    }

    /// <summary>The query runs and names the server; a word starting with '@' is a pattern too (grep for an e-mail domain), not a response file to read arguments from.</summary>
    [Theory]
    [InlineData("x")]
    [InlineData("@example.com")]
    public async Task Unreachable_server_is_named(string pattern)
    {
        var port = RedisServerFixture.FreePort();
        var (exit, _, stderr) = await Run("grep", "sysctl-a", pattern, "--server", $"127.0.0.1:{port}");
        Assert.Equal(2, exit);
        Assert.StartsWith($"sysops-fast: no server of core 127.0.0.1:{port} answered", stderr, StringComparison.Ordinal);
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
        Assert.Equal(Output.UniqPrinter.Text(fleet.ExpectedUniq()), stdout);

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

    /// <summary>A broken pipe is known by its errno (EPIPE), not by what its message says.</summary>
    [Fact]
    public void A_broken_pipe_is_recognised_by_its_errno()
    {
        using var pipe = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        pipe.ClientSafePipeHandle.Dispose(); // the reader is gone
        // Written as the CLI writes its standard output: write(2) on the descriptor.
        using var output = new Output.StandardOutputStream((int)pipe.SafePipeHandle.DangerousGetHandle());
        var e = Assert.ThrowsAny<IOException>(() => output.Write(new byte[1024]));
        Assert.True(Cli.CliRunner.IsBrokenPipe(e), $"{e.HResult}: {e.Message}");
        Assert.False(Cli.CliRunner.IsBrokenPipe(new IOException("Broken pipe")));
        Assert.False(Cli.CliRunner.IsBrokenPipe(new IOException("disk full", 28)));
    }

    /// <summary>`| head -1` closes the pipe after one line: the reader has what it wanted, so exit 0 and say nothing.</summary>
    [Theory]
    [InlineData("grep", "sysctl-a", ".")]
    [InlineData("grep", "sysctl-a", ".", "--json")]
    [InlineData("search", "sysctl-a", "--contents")]
    public async Task A_reader_that_closes_the_pipe_early_ends_the_command_quietly(params string[] command)
    {
        var fleet = new SyntheticFleet(300, 13);
        await FleetGenerator.GenerateAsync(fleet, ServerAddress.Parse($"redis://{redis.Address}/11"), PayloadCodec.Lz4, null, plain: false, CancellationToken.None);
        string[] sysopsFast = ["dotnet", Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll"), .. command, "--server", $"redis://{redis.Address}/11"];
        var (exit, stdout, stderr) = await RunProgram("bash", null, ["-c", "\"$@\" | head -1 >/dev/null; echo \"${PIPESTATUS[0]}\"", "bash", .. sysopsFast]);
        Assert.Equal(0, exit);
        Assert.Equal("0", stdout.Trim());
        Assert.Equal("", stderr);
    }

    /// <summary>
    /// Commands of a shell group share one open file: each must write at the file's shared offset
    /// (write(2)), not at offsets of its own (a FileStream's pwrite kept only the last one's lines).
    /// </summary>
    [Fact]
    public async Task Commands_writing_one_after_another_into_one_file_keep_every_line()
    {
        var fleet = new SyntheticFleet(40, 17);
        await FleetGenerator.GenerateAsync(fleet, ServerAddress.Parse($"redis://{redis.Address}/12"), PayloadCodec.Lz4, null, plain: false, CancellationToken.None);
        var file = Path.Combine(Path.GetTempPath(), $"sysops-fast-group-{Guid.NewGuid():N}.txt");
        try
        {
            string[] cli = ["dotnet", Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll")];
            var server = $"redis://{redis.Address}/12";
            var (exit, _, stderr) = await RunProgram("bash", null, new Dictionary<string, string?> { ["FILE"] = file, ["SERVER"] = server },
                ["-c", "{ \"$@\" search sysctl-a --server \"$SERVER\"; \"$@\" search uname-a --server \"$SERVER\"; } > \"$FILE\"", "bash", .. cli]);
            Assert.True(exit == 0, stderr);
            var lines = await File.ReadAllLinesAsync(file);
            Assert.Equal(40, lines.Count(l => l.EndsWith("#cmd/sysctl-a", StringComparison.Ordinal)));
            Assert.Equal(40, lines.Count(l => l.EndsWith("#cmd/uname-a", StringComparison.Ordinal)));
        }
        finally
        {
            File.Delete(file);
        }
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
