using System.CommandLine;
using System.Globalization;
using SysopsFast.Fleet;
using SysopsFast.Output;
using SysopsFast.Pipeline;

namespace SysopsFast.Cli.Commands;

/// <summary>
/// <c>dict train [object-pattern]</c>: per core, a compression dictionary trained per object from
/// its current records and published when it beats the current one (push then compresses with it);
/// <c>dict list</c>: the dictionaries of every server in scope.
/// </summary>
internal static class DictCommand
{
    public static Command Build() => new("dict", "Compression dictionaries that push compresses with: train them per core, list them") { BuildTrain(), BuildList() };

    private static Command BuildTrain()
    {
        var pattern = new Argument<string>("object-pattern") { Description = "Objects to train dictionaries for, as for search (default: every object)", DefaultValueFactory = _ => "*#*" };
        var output = new QueryOutput();
        var command = new Command("train", "Train a dictionary per object on each core from up to 100 hosts' records; publish it where it compresses them at least 5% smaller than the current one (run from a timer, on one machine per core)") { pattern };
        output.AddTo(command);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, async (fleet, stdout) =>
        {
            var json = parse.GetValue(output.Json);
            var reads = new List<ExtractSummary>();
            var failures = new List<string>();
            await foreach (var row in fleet.Dictionaries.TrainAsync(parse.GetValue(pattern)!, reads, ct))
            {
                DictionaryPrinter.Write(stdout, row, json);
                await stdout.FlushAsync(ct);
                failures.AddRange(row.Failures.Select(f => $"{row.Core} {row.Object}: not written to {f}"));
            }
            var forced = await output.FinishAsync(parse, fleet, stdout, reads);
            foreach (var failure in failures.Distinct(StringComparer.Ordinal))
            {
                await Console.Error.WriteLineAsync("sysops-fast: " + failure);
            }
            return forced ?? (failures.Count > 0 ? CliRunner.Error : CliRunner.Matched);
        }));
        return command;
    }

    private static Command BuildList()
    {
        var output = new QueryOutput();
        var command = new Command("list", "List each server's dictionaries: the current one of each object, then older ones still kept for their records (size, time left)");
        output.AddTo(command, cost: false);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, async (fleet, stdout) =>
        {
            var entries = await fleet.Dictionaries.ListAsync(ct);
            foreach (var entry in entries)
            {
                DictionaryPrinter.Write(stdout, entry, parse.GetValue(output.Json));
            }
            await stdout.FlushAsync(ct);
            var errors = entries.Count(e => e.Error is not null);
            var servers = fleet.Cores.Sum(c => c.IsCluster ? 1 : c.Servers.Count) - errors;
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"sysops-fast: {Count(entries.Count(e => e.Error is null), "dictionary", "dictionaries")} on {Count(servers, "server", "servers")}{(errors > 0 ? $"; {Count(errors, "server", "servers")} could not be read" : "")}"));
            return errors > 0 ? CliRunner.Error : entries.Count > 0 ? CliRunner.Matched : CliRunner.NoMatch;
        }));
        return command;
    }

    private static string Count(int n, string one, string many) => string.Create(CultureInfo.InvariantCulture, $"{n} {(n == 1 ? one : many)}");
}
