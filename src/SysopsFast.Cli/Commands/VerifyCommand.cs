using System.CommandLine;
using System.Globalization;
using SysopsFast.Output;
using SysopsFast.Pipeline;

namespace SysopsFast.Cli.Commands;

/// <summary><c>verify [object-pattern]</c>: replica drift, each key's copies compared across the servers of its core.</summary>
internal static class VerifyCommand
{
    /// <summary>Exit code when some key is missing or different on some server (0: all agree; 2: an error).</summary>
    public const int Drift = 1;

    public static Command Build()
    {
        var pattern = new Argument<string>("object-pattern") { Description = "Objects to verify, as for search (default: every object)", DefaultValueFactory = _ => "*#*" };
        var output = new QueryOutput();
        var command = new Command("verify", "Compare each key's copies on the servers of its core (headers only) and list the keys missing on some server or different") { pattern };
        output.AddTo(command);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, async (fleet, stdout) =>
        {
            IReplicaDriftPrinter printer = parse.GetValue(output.Json) ? new JsonReplicaDriftPrinter(stdout) : new TextReplicaDriftPrinter(stdout);
            var summaries = new List<ExtractSummary>();
            long keys = 0, problems = 0;
            var cores = 0;
            await foreach (var core in fleet.Replicas.VerifyAsync(parse.GetValue(pattern)!, ct))
            {
                summaries.Add(core.Summary);
                if (core.Skipped is { } why)
                {
                    await Console.Error.WriteLineAsync($"sysops-fast: note: core {core.Core.Id} skipped: {why}");
                    continue;
                }
                cores++;
                keys += core.Keys;
                problems += core.Rows.Count;
                foreach (var row in core.Rows)
                {
                    printer.Row(row);
                }
            }
            var forced = await output.FinishAsync(parse, fleet, stdout, summaries);
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"sysops-fast: verified {Count(keys, "key")} on {Count(cores, "core")}: {Count(problems, "problem")}"));
            return forced ?? (problems > 0 ? Drift : CliRunner.Matched);
        }));
        return command;
    }

    private static string Count(long n, string noun) => string.Create(CultureInfo.InvariantCulture, $"{n} {noun}{(n == 1 ? "" : "s")}");
}
