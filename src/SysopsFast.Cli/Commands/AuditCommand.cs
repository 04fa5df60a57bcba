using System.CommandLine;
using SysopsFast.Output;

namespace SysopsFast.Cli.Commands;

/// <summary><c>audit</c>: the queries recorded in every user's audit stream of every server in scope, oldest first.</summary>
internal static class AuditCommand
{
    public static Command Build()
    {
        var since = new Option<string>("--since") { Description = "Only queries of the last DURATION (6h, 30m, 7d; 0 = all)", DefaultValueFactory = _ => "1d", HelpName = "DURATION" };
        var output = new QueryOutput();
        var command = new Command("audit", "Show who queried the fleet, what and when, with its cost (every user's audit stream of each server)") { since };
        output.AddTo(command, cost: false);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, async (fleet, stdout) =>
        {
            var window = CommonOptions.ParseTtl(parse.GetValue(since)!);
            var from = window is { } w ? DateTimeOffset.UtcNow - w : DateTimeOffset.FromUnixTimeMilliseconds(0);
            var printed = false;
            await foreach (var e in fleet.Audit.ReadAsync(from, ct))
            {
                AuditPrinter.Write(stdout, e, parse.GetValue(output.Json));
                printed = true;
            }
            return printed ? CliRunner.Matched : CliRunner.NoMatch;
        }));
        return command;
    }
}
