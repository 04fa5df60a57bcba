using System.Diagnostics;
using System.Text;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// Hostile snapshot contents (escape sequences, CR, BEL, a C1 CSI): shown escaped when standard
/// output is a terminal (run under a pseudo-terminal with util-linux's <c>script</c>), passed
/// unchanged into a pipe, as grep passes them.
/// </summary>
public sealed class TerminalOutputTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const string Hostile = "ok\n\u001b[31mred\u001b[0m \u001b]0;title\u0007 cr\rend \u009bx\n";

    private async Task<string> FleetAsync()
    {
        var tree = Directory.CreateTempSubdirectory("sysops-fast-tty-").FullName;
        Directory.CreateDirectory(Path.Combine(tree, "ev.example.org"));
        await File.WriteAllTextAsync(Path.Combine(tree, "ev.example.org", "motd"), Hostile);
        await File.WriteAllTextAsync(Path.Combine(tree, "ev.example.org", "sysctl.conf"), "vm.swappiness = 10\n");
        var url = $"redis://{redis.Address}/2";
        await FleetImporter.ImportAsync(tree, ServerAddress.Parse(url), PayloadCodec.Lz4, TimeSpan.FromHours(1), CancellationToken.None);
        Directory.Delete(tree, recursive: true);
        return url;
    }

    /// <summary>
    /// Runs the CLI under a pseudo-terminal; what the terminal got. Tests of standard output send
    /// standard error elsewhere, or a progress display (drawn when a busy machine makes the query
    /// slow) would mix with it.
    /// </summary>
    internal static async Task<string> OnTerminal(string arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll");
        var start = new ProcessStartInfo("script") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-q", "-e", "-c", $"dotnet {cli} {arguments}", "/dev/null" })
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["TERM"] = "xterm";
        start.Environment.Remove("NO_COLOR");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using var p = Process.Start(start)!;
        var terminal = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return terminal;
    }

    [Fact]
    public async Task Control_characters_are_escaped_on_a_terminal_and_pass_unchanged_in_a_pipe()
    {
        var url = await FleetAsync();
        var terminal = await OnTerminal($"grep motd red -H --server {url} 2>/dev/null", new Dictionary<string, string> { ["NO_COLOR"] = "1" });
        Assert.Contains("ev.example.org:^[[31mred^[[0m ^[]0;title^G cr^Mend M-^[x", terminal, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", terminal, StringComparison.Ordinal); // NO_COLOR: no colour either
        Assert.DoesNotContain("\u0007", terminal, StringComparison.Ordinal);

        var (exit, piped, _) = await CliProcessTests.Run("grep", "motd", "red", "-H", "--server", url);
        Assert.Equal(0, exit);
        Assert.Equal("ev.example.org:" + Hostile.Split('\n')[1] + "\n", piped);
    }

    [Fact]
    public async Task A_terminal_gets_gnu_colours_around_escaped_contents_unless_never()
    {
        var url = await FleetAsync();
        var coloured = await OnTerminal($"grep motd 'red|cr' -H --server {url} 2>/dev/null");
        Assert.Contains("\u001b[35m\u001b[Kev.example.org\u001b[m\u001b[K\u001b[36m\u001b[K:\u001b[m\u001b[K^[[31m\u001b[01;31m\u001b[Kred\u001b[m\u001b[K^[[0m ^[]0;title^G \u001b[01;31m\u001b[Kcr\u001b[m\u001b[K^Mend", coloured, StringComparison.Ordinal);
        Assert.DoesNotContain("\u0007", coloured, StringComparison.Ordinal);

        var never = await OnTerminal($"grep motd red -H --color=never --server {url} 2>/dev/null");
        Assert.Contains("ev.example.org:^[[31mred", never, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", never, StringComparison.Ordinal);

        var (exit, _, stderr) = await CliProcessTests.Run("grep", "motd", "red", "--color=sometimes", "--server", url);
        Assert.Equal(2, exit);
        Assert.Contains("--color takes never, always or auto", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Uniq_draws_bars_and_thousands_separators_on_a_terminal_only()
    {
        var url = await FleetAsync();
        var terminal = await OnTerminal($"grep motd . --uniq --server {url} 2>/dev/null");
        Assert.Contains("1 ████████████████████ 100.0%  ok", terminal, StringComparison.Ordinal);
        Assert.Contains("100.0%  ^[[31mred^[[0m", terminal, StringComparison.Ordinal);
        var (_, piped, _) = await CliProcessTests.Run("grep", "motd", ".", "--uniq", "--server", url);
        Assert.StartsWith("      1 ", piped, StringComparison.Ordinal);

        var kv = await OnTerminal($"kv sysctl.conf --server {url} 2>/dev/null");
        Assert.Contains("vm.swappiness\r\n        1 ████████████████████ 100.0%  10", kv, StringComparison.Ordinal);
        (_, piped, _) = await CliProcessTests.Run("kv", "sysctl.conf", "--server", url);
        Assert.Equal("vm.swappiness\n      1 10\n", piped);
    }

    [Fact]
    public async Task Progress_is_drawn_on_a_terminal_stderr_erased_when_done_and_absent_in_a_pipe()
    {
        var url = await FleetAsync();
        // A relay that holds the first MGET for 1.5 s makes the query last longer than the display's 300 ms delay.
        await using var slow = new InterceptingProxy(redis.Address, "MGET", () => Task.Delay(1500));
        var terminal = await OnTerminal($"grep motd red --uniq --server redis://{slow.Address}/2 > /dev/null");
        Assert.Matches(@"\rsysops-fast: 1 keys · 0 records · [0-9.]+ MB · 0 records/s\u001b\[K", terminal);
        Assert.EndsWith("\r\u001b[K", terminal, StringComparison.Ordinal); // erased: nothing of it stays on the screen

        await using var slowAgain = new InterceptingProxy(redis.Address, "MGET", () => Task.Delay(1500));
        var (exit, _, stderr) = await CliProcessTests.Run("grep", "motd", "red", "--uniq", "--server", $"redis://{slowAgain.Address}/2");
        Assert.Equal(0, exit);
        Assert.DoesNotContain("records", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_names_in_messages_are_escaped_on_a_terminal_stderr()
    {
        var url = $"redis://{redis.Address}/3";
        await using (var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            await mux.GetDatabase(3).StringSetAsync("ev\u001b[31m.example.org#motd", "not a record");
        }
        var terminal = await OnTerminal($"grep motd x --scan --server {url} > /dev/null");
        Assert.Contains("ev^[[31m.example.org#motd", terminal, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[31m", terminal, StringComparison.Ordinal);

        var (exit, _, stderr) = await CliProcessTests.Run("grep", "motd", "x", "--scan", "--server", url);
        Assert.Equal(2, exit);
        Assert.Contains("ev\u001b[31m.example.org#motd", stderr, StringComparison.Ordinal); // a pipe gets the bytes
    }

    [Fact]
    public void The_escaping_stream_shows_controls_as_cat_v_does_across_writes()
    {
        using var sink = new MemoryStream();
        var safe = new Output.TerminalSafeStream(sink);
        safe.Write("a\tb\u001b"u8);
        safe.Write([0xc2]); // a C1 control split across two writes
        safe.Write([0x9b, (byte)'\r', 0x7f, 0xc2, 0xa9, (byte)'\n']); // then CR, DEL, and a © that is not a control
        safe.Flush();
        Assert.Equal("a\tb^[M-^[^M^?©\n", Encoding.UTF8.GetString(sink.ToArray()));
    }
}
