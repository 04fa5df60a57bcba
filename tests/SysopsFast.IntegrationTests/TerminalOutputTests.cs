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
        var url = $"redis://{redis.Address}/2";
        await FleetImporter.ImportAsync(tree, ServerAddress.Parse(url), PayloadCodec.Lz4, TimeSpan.FromHours(1), CancellationToken.None);
        Directory.Delete(tree, recursive: true);
        return url;
    }

    [Fact]
    public async Task Control_characters_are_escaped_on_a_terminal_and_pass_unchanged_in_a_pipe()
    {
        var url = await FleetAsync();
        var cli = Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll");
        var start = new ProcessStartInfo("script") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-q", "-e", "-c", $"dotnet {cli} grep motd red -H --server {url}", "/dev/null" })
        {
            start.ArgumentList.Add(a);
        }
        using var p = Process.Start(start)!;
        var terminal = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Contains("ev.example.org:^[[31mred^[[0m ^[]0;title^G cr^Mend M-^[x", terminal, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[31m", terminal, StringComparison.Ordinal);
        Assert.DoesNotContain("\u0007", terminal, StringComparison.Ordinal);

        var (exit, piped, _) = await CliProcessTests.Run("grep", "motd", "red", "-H", "--server", url);
        Assert.Equal(0, exit);
        Assert.Equal("ev.example.org:" + Hostile.Split('\n')[1] + "\n", piped);
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
