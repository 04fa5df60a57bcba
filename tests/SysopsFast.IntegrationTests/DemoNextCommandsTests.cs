using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// The demo as a newcomer runs it: it ends by printing the next commands, with the --server it used,
/// and keeps its fleet until Ctrl-C; every command it prints works against that fleet.
/// </summary>
public sealed class DemoNextCommandsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task The_demo_prints_next_commands_that_answer_against_its_fleet_until_ctrl_c()
    {
        var port = RedisServerFixture.FreePort().ToString(CultureInfo.InvariantCulture);
        var output = Path.Combine(Path.GetTempPath(), $"sysops-fast-demo-{Guid.NewGuid():N}.txt");
        var cli = Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll");
        // Its output goes to a file, read while it runs; exec keeps the demo's PID the one Ctrl-C is sent to.
        var start = new ProcessStartInfo("bash");
        foreach (var a in new[] { "-c", "exec \"$@\" >\"$0\" 2>&1", output }.Concat(InterruptibleCommand.Prefix).Concat(["dotnet", cli, "demo", "--hosts", "200", "--port", port]))
        {
            start.ArgumentList.Add(a);
        }
        using var demo = Process.Start(start)!;
        try
        {
            var printed = await WaitForAsync(output, "Ctrl-C", demo);
            Assert.Contains("Answer checked: exact match.", printed, StringComparison.Ordinal);
            var next = printed.Split('\n').Where(l => l.StartsWith("  sysops-fast ", StringComparison.Ordinal)).Select(l => l.Trim()).ToList();
            Assert.True(next.Count >= 4, printed);

            foreach (var command in next)
            {
                Assert.EndsWith($" --server 127.0.0.1:{port}", command, StringComparison.Ordinal);
                // As a shell runs it (quotes included), with sysops-fast the CLI under test.
                var (exit, stdout, stderr) = await CliProcessTests.RunProgram("bash", null, new Dictionary<string, string?> { ["CLI"] = cli },
                    ["-c", "sysops-fast() { dotnet \"$CLI\" \"$@\"; }\n" + command]);
                Assert.True(exit == 0, $"{command}: exit {exit}: {stderr}");
                Assert.NotEqual("", stdout.Trim());
            }

            // Ctrl-C: the demo stops its server and exits 0.
            using (var kill = Process.Start("kill", ["-INT", demo.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }
            await demo.WaitForExitAsync().WaitAsync(Patience);
            Assert.True(demo.ExitCode == 0, await File.ReadAllTextAsync(output));
            using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, int.Parse(port, CultureInfo.InvariantCulture));
            probe.Start();
        }
        finally
        {
            if (!demo.HasExited)
            {
                demo.Kill(entireProcessTree: true);
            }
            File.Delete(output);
        }
    }

    /// <summary>The file's text once it holds <paramref name="text"/>; fails if the process ends or time runs out first.</summary>
    private static async Task<string> WaitForAsync(string file, string text, Process process)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var printed = File.Exists(file) ? (await File.ReadAllTextAsync(file)).Replace("\r\n", "\n", StringComparison.Ordinal) : "";
            if (printed.Contains(text, StringComparison.Ordinal))
            {
                return printed;
            }
            Assert.False(process.HasExited, $"the demo ended (exit {(process.HasExited ? process.ExitCode : 0)}) before printing '{text}':\n{printed}");
            Assert.True(clock.Elapsed < Patience, $"no '{text}' after {Patience.TotalSeconds} s:\n{printed}");
            await Task.Delay(250);
        }
    }
}
