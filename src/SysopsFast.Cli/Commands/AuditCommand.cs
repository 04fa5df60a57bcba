using System.CommandLine;
using SysopsFast.Output;

namespace SysopsFast.Cli.Commands;

/// <summary><c>audit</c>: the queries recorded in the audit stream of every server in scope, oldest first.</summary>
internal static class AuditCommand
{
    public static Command Build()
    {
        var since = new Option<string>("--since") { Description = "Only queries of the last DURATION (6h, 30m, 7d; 0 = all)", DefaultValueFactory = _ => "1d", HelpName = "DURATION" };
        var output = new QueryOutput();
        var command = new Command("audit", "Show who queried the fleet, what and when, with its cost (the audit stream of each server)") { since };
        output.AddTo(command, cost: false);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, async (fleet, stdout) =>
        {
            var window = CommonOptions.ParseTtl(parse.GetValue(since)!);
            var from = window is { } w ? DateTimeOffset.UtcNow - w : DateTimeOffset.FromUnixTimeMilliseconds(0);
            var entries = await fleet.ReadAuditAsync(from, ct);
            foreach (var e in entries)
            {
                AuditPrinter.Write(stdout, e, parse.GetValue(output.Json));
            }
            return entries.Count > 0 ? CliRunner.Matched : CliRunner.NoMatch;
        }));
        return command;
    }
}
