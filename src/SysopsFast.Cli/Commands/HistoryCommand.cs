using System.CommandLine;
using SysopsFast.Output;

namespace SysopsFast.Cli.Commands;

/// <summary><c>history KEY-OR-PATTERN</c>: the versions kept of each matching object, newest first.</summary>
internal static class HistoryCommand
{
    public static Command Build()
    {
        var pattern = new Argument<string>("pattern") { Description = "Objects whose history to show: a key (host#object) or a pattern as for search" };
        var output = new QueryOutput();
        var command = new Command("history", "Show the versions kept of each matching object, newest first: time stored, md5, size, lines the next newer version added and removed") { pattern };
        output.AddTo(command);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, async (fleet, stdout) =>
        {
            IHistoryPrinter printer = parse.GetValue(output.Json) ? new JsonHistoryPrinter(stdout) : new TextHistoryPrinter(stdout);
            var result = await fleet.History.ReadAsync(parse.GetValue(pattern)!, printer.Object, ct);
            return await output.FinishAsync(parse, fleet, stdout, result.Summaries) ?? CliRunner.Matched;
        }));
        return command;
    }
}
