using System.CommandLine;
using System.Globalization;
using SysopsFast.Fleet;
using SysopsFast.Format;

namespace SysopsFast.Cli.Commands;

internal static class MigrateCommand
{
    public static Command Build()
    {
        var from = new Option<string>("--from") { Description = "The original sysops-api cache, redis://host:port/db (the original used database 1)", Required = true };
        var servers = CommonOptions.Servers("Server to write to (repeatable: every one gets every record, like the servers of a core; default: the topology's local core, else 127.0.0.1:6379)");
        var codec = CommonOptions.Codec();
        var history = CommonOptions.History();
        var historyAge = CommonOptions.HistoryAge();
        var tls = new TlsOptions();
        var command = new Command("migrate", "Copy an original sysops-api cache (bz2 lists) into records, keeping key names, insertion times, stat and TTLs") { from, servers, codec.Option, history, historyAge };
        tls.AddTo(command);
        command.SetAction((parse, ct) => CliRunner.RunAsync(() => MigrateHandler.RunAsync(
            tls.Server(parse, parse.GetValue(from)!), Topology.TargetResolver.PushTargets(parse.GetValue(servers) ?? [], null, tls.Files(parse)), codec.Value(parse), Push.HistoryRetention.Parse(parse.GetValue(history), parse.GetValue(historyAge)), Console.Error, ct),
            Console.Error, parse.GetValue(CommonOptions.Verbose)));
        return command;
    }
}

internal static class MigrateHandler
{
    public static async Task<int> RunAsync(Redis.ServerAddress source, IReadOnlyList<Redis.ServerAddress> targets, PayloadCodec codec, Push.HistoryRetention history, TextWriter stderr, CancellationToken cancellationToken)
    {
        var result = await OriginalCacheMigrator.MigrateAsync(source, targets, codec, history, cancellationToken);
        foreach (var bad in result.FirstBadKeys)
        {
            await stderr.WriteLineAsync($"sysops-fast: bad key {bad.Key}: {bad.Reason}");
        }
        await stderr.WriteLineAsync("sysops-fast: " + Summary(result, targets.Count));
        if (result.Keys == 0 && result.BadKeys == 0)
        {
            await stderr.WriteLineAsync($"sysops-fast: no key of the form host#object in {source}; the original cache is usually in database 1 (redis://host:6379/1)");
        }
        return result.BadKeys > 0 ? CliRunner.Error : CliRunner.Matched;
    }

    internal static string Summary(MigrateResult r, int servers)
    {
        var where = servers > 1 ? string.Create(CultureInfo.InvariantCulture, $" on each of {servers} servers") : "";
        var text = string.Create(CultureInfo.InvariantCulture,
            $"migrated {r.Keys} keys of {r.Hosts} hosts ({r.StoredBytes / 1e6:F1} MB stored{where}) in {r.Elapsed.TotalSeconds:F1} s; {r.BadKeys} bad keys");
        if (r.BadKeys > 0)
        {
            text += ": first " + string.Join(", ", r.FirstBadKeys.Select(b => b.Key));
        }
        if (r.WithoutInsertionTime > 0)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"; {r.WithoutInsertionTime} keys had no insertion time (the original's four-element layout) and are stored as inserted now");
        }
        if (r.Vanished > 0)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"; {r.Vanished} keys expired or were deleted meanwhile");
        }
        return text;
    }
}
