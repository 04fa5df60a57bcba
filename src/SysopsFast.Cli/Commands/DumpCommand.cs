using System.CommandLine;
using System.Globalization;
using SysopsFast.Fleet;

namespace SysopsFast.Cli.Commands;

internal static class DumpCommand
{
    public static Command Build()
    {
        var dir = new Argument<string>("dir") { HelpName = CompletionCommand.DirectoryValue, Description = "Directory to write DIR/<host>/<path> into" };
        var pattern = new Option<string>("--objects", "-o") { Description = "Only objects matching this pattern (as for grep)", DefaultValueFactory = _ => "*#*" };
        var targeting = new TargetingOptions();
        var cost = CommonOptions.Cost();
        var command = new Command("dump", "Write every object to disk, one directory per host (the reverse of import)") { dir, pattern, cost };
        targeting.AddTo(command);
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var (topology, scope) = await targeting.ResolveAsync(parse, Console.Error, ct);
            await using var progress = ProgressDisplay.Start();
            return await DumpHandler.RunAsync(parse.GetValue(dir)!, parse.GetValue(pattern)!, QueryOutput.OpenFleet(topology, scope, new Pipeline.ExtractOptions { Progress = progress.Counters }, Console.Error), Console.Error, ct, parse.GetValue(cost));
        }, Console.Error, parse.GetValue(CommonOptions.Verbose)));
        return command;
    }
}

internal static class DumpHandler
{
    public static async Task<int> RunAsync(string dir, string pattern, FleetQuery query, TextWriter stderr, CancellationToken cancellationToken, bool cost = false)
    {
        var dumper = new FleetDumper(dir);
        await using var fleet = query;
        var summary = await fleet.RunAsync(pattern, dumper, cancellationToken);
        foreach (var r in dumper.Refused)
        {
            await stderr.WriteLineAsync("sysops-fast: skipped " + r);
        }
        await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"sysops-fast: wrote {dumper.Files} files under {Path.GetFullPath(dir)} in {summary.Elapsed.TotalSeconds:F1} s"));
        if (cost)
        {
            await QueryOutput.ReportCostAsync(fleet, "dump", summary.Costs, summary.Elapsed, stderr);
        }
        return await SummaryReport.WriteAsync(summary, stderr) ?? (dumper.Refused.Count > 0 ? CliRunner.Error : CliRunner.Matched);
    }
}
