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
        var allVersions = new Option<bool>("--all-versions") { Description = "Also write each version kept (the current one included) to <path>#history/<time stored, Unix ms>, with its mode and mtime" };
        var targeting = new TargetingOptions();
        var cost = CommonOptions.Cost();
        var command = new Command("dump", "Write every object to disk, one directory per host (the reverse of import)") { dir, pattern, allVersions, cost };
        targeting.AddTo(command);
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var (topology, scope) = await targeting.ResolveAsync(parse, Console.Error, ct);
            await using var progress = ProgressDisplay.Start();
            return await DumpHandler.RunAsync(parse.GetValue(dir)!, parse.GetValue(pattern)!, QueryOutput.OpenFleet(topology, scope, new Pipeline.ExtractOptions { Progress = progress.Counters }, Console.Error), Console.Error, ct, parse.GetValue(cost), parse.GetValue(allVersions));
        }, Console.Error, parse.GetValue(CommonOptions.Verbose)));
        return command;
    }
}

internal static class DumpHandler
{
    public static async Task<int> RunAsync(string dir, string pattern, FleetQuery query, TextWriter stderr, CancellationToken cancellationToken, bool cost = false, bool allVersions = false)
    {
        var dumper = new FleetDumper(dir);
        await using var fleet = query;
        var summary = allVersions ? await dumper.RunAllVersionsAsync(fleet, pattern, cancellationToken) : await fleet.RunAsync(pattern, dumper, cancellationToken);
        foreach (var r in dumper.Refused)
        {
            await stderr.WriteLineAsync("sysops-fast: skipped " + r);
        }
        if (dumper.Unrebuildable > 0)
        {
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"sysops-fast: {dumper.Unrebuildable} version(s) cannot be rebuilt and were not written: {string.Join("; ", dumper.FirstUnrebuildable)}{(dumper.Unrebuildable > dumper.FirstUnrebuildable.Count ? "; …" : "")}"));
        }
        var versions = allVersions ? string.Create(CultureInfo.InvariantCulture, $" ({dumper.Versions} of them older versions)") : "";
        await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"sysops-fast: wrote {dumper.Files} files{versions} under {Path.GetFullPath(dir)} in {summary.Elapsed.TotalSeconds:F1} s"));
        if (cost)
        {
            await QueryOutput.ReportCostAsync(fleet, "dump", summary.Costs, summary.Elapsed, stderr);
        }
        return await SummaryReport.WriteAsync(summary, stderr) ?? (dumper.Refused.Count > 0 || dumper.Unrebuildable > 0 ? CliRunner.Error : CliRunner.Matched);
    }
}
