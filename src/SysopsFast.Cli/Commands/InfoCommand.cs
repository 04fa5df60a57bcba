using System.CommandLine;
using System.Globalization;
using System.Text;
using SysopsFast.Output;

namespace SysopsFast.Cli.Commands;

/// <summary><c>info</c>: each server's essentials from INFO (version, memory, keys, clients, uptime).</summary>
internal static class InfoCommand
{
    public static Command Build()
    {
        var prefix = new Option<bool>("--prefix-hostnames", "-H") { Description = "Start every line with the server's address, one field per line" };
        var output = new QueryOutput();
        var original = SearchCommand.OriginalLayout();
        var command = new Command("info", "Show each server's Redis version, memory, keys, clients and uptime") { prefix, original };
        output.AddTo(command, cost: false);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, async (fleet, stdout) =>
        {
            var infos = await fleet.InfoAsync(ct);
            var json = parse.GetValue(output.Json);
            foreach (var info in infos)
            {
                if (json)
                {
                    RecordJson.WriteLine(stdout, j =>
                    {
                        j.WriteString("server", info.Node);
                        if (info.Error is not null)
                        {
                            j.WriteString("error", info.Error);
                            return;
                        }
                        j.WriteString("redis_version", info.RedisVersion);
                        j.WriteNumber("used_memory", info.UsedMemory ?? 0);
                        j.WriteNumber("keys", info.Keys ?? 0);
                        j.WriteNumber("connected_clients", info.ConnectedClients ?? 0);
                        j.WriteNumber("uptime_seconds", info.UptimeSeconds ?? 0);
                    });
                }
                else
                {
                    stdout.Write(Encoding.UTF8.GetBytes(parse.GetValue(original) ? OriginalText(info, parse.GetValue(prefix)) : Text(info, parse.GetValue(prefix))));
                }
            }
            var failed = infos.Where(i => i.Error is not null).ToArray();
            foreach (var f in failed)
            {
                await Console.Error.WriteLineAsync($"sysops-fast: {f.Node}: {f.Error}");
            }
            return failed.Length > 0 ? CliRunner.Error : CliRunner.Matched;
        }));
        return command;
    }

    /// <summary>The original's --info: every INFO field, the name padded to 50 columns (with -H, after the server padded to 30 and a tab).</summary>
    private static string OriginalText(Query.ServerInfo info, bool prefix) =>
        string.Concat(info.Fields.Select(f => prefix ? $"{info.Node,-30}\t{f.Key,-50}\t{f.Value}\n" : $"{f.Key,-50}{f.Value}\n"));

    /// <summary>One line per server, or with -H one "server field value" line per field (easy to grep).</summary>
    private static string Text(Query.ServerInfo info, bool prefix)
    {
        if (info.Error is not null)
        {
            return $"{info.Node}: unreachable ({info.Error})\n";
        }
        (string Name, string Value)[] fields =
        [
            ("redis_version", info.RedisVersion ?? "?"),
            ("used_memory", (info.UsedMemory ?? 0).ToString(CultureInfo.InvariantCulture)),
            ("keys", (info.Keys ?? 0).ToString(CultureInfo.InvariantCulture)),
            ("connected_clients", (info.ConnectedClients ?? 0).ToString(CultureInfo.InvariantCulture)),
            ("uptime_seconds", (info.UptimeSeconds ?? 0).ToString(CultureInfo.InvariantCulture)),
        ];
        return prefix
            ? string.Concat(fields.Select(f => $"{info.Node,-30}\t{f.Name,-20}\t{f.Value}\n"))
            : $"{info.Node} {string.Join(' ', fields.Select(f => f.Name + "=" + f.Value))}\n";
    }
}
