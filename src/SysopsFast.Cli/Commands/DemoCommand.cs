using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Output;

namespace SysopsFast.Cli.Commands;

internal static class DemoCommand
{
    public static Command Build()
    {
        var hosts = new Option<int>("--hosts") { Description = "Hosts in the synthetic fleet", DefaultValueFactory = _ => 24_000 };
        var port = new Option<int>("--port", "-p") { Description = "Port for the embedded server", DefaultValueFactory = _ => 6390 };
        var checkOnly = new Option<bool>("--check-only") { Description = "Stop the server once the answer is checked (for scripts), instead of keeping the fleet for the next commands until Ctrl-C" };
        var command = new Command("demo", "Start the embedded server, generate a fleet, run the headline query, check its answer, then keep the fleet for the next commands it prints until Ctrl-C")
        {
            hosts, port, checkOnly,
        };
        command.SetAction((parse, ct) => CliRunner.RunAsync(
            () => DemoHandler.RunAsync(parse.GetValue(hosts), parse.GetValue(port), parse.GetValue(checkOnly), Console.Out, Console.Error, ct),
            Console.Error, parse.GetValue(CommonOptions.Verbose)));
        return command;
    }
}

internal static class DemoHandler
{
    public static async Task<int> RunAsync(int hosts, int port, bool checkOnly, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Starting the embedded server on 127.0.0.1:{port} …"));
        await using var server = await EmbeddedServerProcess.StartAsync(port, "8g", cancellationToken);
        var address = Redis.ServerAddress.Parse(server.Address);

        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Generating a synthetic fleet of {hosts:N0} hosts (seed 1) …"));
        var fleet = new SyntheticFleet(hosts, 1);
        var generated = await FleetGenerator.GenerateAsync(fleet, address, PayloadCodec.ZstdDictionary, TimeSpan.FromHours(6), plain: false, cancellationToken);
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  {generated.Objects:N0} objects, {generated.RawBytes / 1e6:F0} MB of contents stored as {generated.StoredBytes / 1e6:F0} MB, in {generated.Elapsed.TotalSeconds:F1} s"));

        await stdout.WriteLineAsync();
        await stdout.WriteLineAsync($"$ sysops-fast grep {SyntheticFleet.HeadlineObject} {SyntheticFleet.HeadlinePattern} --uniq --server {server.Address}");
        var clock = Stopwatch.StartNew();
        await using var query = new FleetQuery([address]);
        var (counts, result) = await query.GrepUniqAsync(new GrepRequest(SyntheticFleet.HeadlineObject, SyntheticFleet.HeadlinePattern), cancellationToken);
        clock.Stop();
        var answer = UniqPrinter.Text(counts);
        await stdout.WriteAsync(answer);
        await stdout.WriteLineAsync();

        var expected = UniqPrinter.Text(fleet.ExpectedUniq());
        await stdout.WriteLineAsync("Expected (computed by the generator from its seeded choices, not by grepping):");
        await stdout.WriteAsync(expected);
        await stdout.WriteLineAsync();
        var ok = answer == expected && result.Summary.Corrupt.Count == 0;
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{(ok ? "Answer checked: exact match." : "ANSWER DIFFERS FROM THE EXPECTED ONE.")} Query time: {clock.Elapsed.TotalMilliseconds:F0} ms for {result.Summary.RecordsRead:N0} records ({result.Summary.RawBytes / 1e6:F0} MB of contents) on {result.Summary.Servers.Count} server."));
        if (!ok || checkOnly)
        {
            return ok ? CliRunner.Matched : CliRunner.Error;
        }
        await PrintNextCommandsAsync(server.Address, stdout);
        return await ServeUntilCancelledAsync(server, stdout, stderr, cancellationToken);
    }

    /// <summary>Questions to ask the fleet just built, each with the server the demo used: what a newcomer runs next.</summary>
    private static IReadOnlyList<string> NextCommands(string server) =>
    [
        $"sysops-fast grep {SyntheticFleet.HeadlineObject} {SyntheticFleet.HeadlinePattern} --uniq --show-hosts 2 --server {server}",
        $"sysops-fast kv {SyntheticFleet.HeadlineObject} 'net.core.*' --only-drift --server {server}",
        $"sysops-fast compare-all /etc/sysctl.conf --server {server}",
        $"sysops-fast list-files --server {server}",
        $"sysops-fast search /etc/passwd --md5sum -H --server {server}",
    ];

    private static async Task PrintNextCommandsAsync(string server, TextWriter stdout)
    {
        await stdout.WriteLineAsync();
        await stdout.WriteLineAsync("Next, in another terminal, with sysops-fast on the PATH (README, Quick start), ask this fleet more:");
        foreach (var line in NextCommands(server))
        {
            await stdout.WriteLineAsync("  " + line);
        }
        await stdout.WriteLineAsync("Every command: sysops-fast --help; ten everyday questions: docs/COOKBOOK.md.");
        await stdout.WriteLineAsync("The embedded server keeps this fleet until Ctrl-C here.");
        await stdout.FlushAsync(CancellationToken.None);
    }

    /// <summary>Ctrl-C (or SIGTERM) ends the demo normally: the server is stopped by the caller's dispose.</summary>
    private static async Task<int> ServeUntilCancelledAsync(EmbeddedServerProcess server, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        try
        {
            await server.WaitForExitAsync(cancellationToken);
            await stderr.WriteLineAsync("sysops-fast: the embedded server exited on its own; the demo's fleet is gone");
            return CliRunner.Error;
        }
        catch (OperationCanceledException)
        {
            await stdout.WriteLineAsync("Stopping the embedded server.");
            return CliRunner.Matched;
        }
    }
}
