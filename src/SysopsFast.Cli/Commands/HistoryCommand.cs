using System.CommandLine;
using SysopsFast.Output;

namespace SysopsFast.Cli.Commands;

/// <summary><c>history KEY-OR-PATTERN</c>: the versions kept of each matching object, newest first.</summary>
internal static class HistoryCommand
{
    public static Command Build()
    {
        var pattern = new Argument<string>("pattern") { Description = "Objects whose history to show: a key (host#object) or a pattern as for search" };
        var diff = new Option<bool>("--diff") { Description = "Follow each version with its unified diff against the next newer version" };
        var output = new QueryOutput();
        var command = new Command("history", "Show the versions kept of each matching object, newest first: time stored, md5, size, lines the next newer version added and removed") { pattern, diff };
        output.AddTo(command);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, async (fleet, stdout) =>
        {
            var diffs = parse.GetValue(diff);
            IHistoryPrinter printer = parse.GetValue(output.Json) ? new JsonHistoryPrinter(stdout, diffs) : new TextHistoryPrinter(stdout, diffs);
            var result = await fleet.History.ReadAsync(parse.GetValue(pattern)!, diffs, printer.Object, ct);
            return await output.FinishAsync(parse, fleet, stdout, result.Summaries) ?? CliRunner.Matched;
        }));
        return command;
    }
}
