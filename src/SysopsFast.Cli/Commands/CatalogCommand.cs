using System.CommandLine;
using System.Globalization;
using System.Text;
using SysopsFast.Output;
using SysopsFast.Query;

namespace SysopsFast.Cli.Commands;

/// <summary>
/// <c>catalog index</c>: builds each server's host-name index from its key catalog and marks it
/// complete, so that object patterns stop reading every host name (docs/FORMAT.md, "Host-name index").
/// </summary>
internal static class CatalogCommand
{
    public static Command Build() => new("catalog", "Upkeep of the key catalog that queries find keys with") { BuildIndex() };

    private static Command BuildIndex()
    {
        var output = new QueryOutput();
        var command = new Command("index", "Index the catalog's host names on each server and mark the index complete, so object patterns (sysctl-a) stop reading every host name; run it as an admin once every writer is upgraded");
        output.AddTo(command, cost: false);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, async (fleet, stdout) =>
        {
            var rows = await fleet.Catalog.IndexHostNamesAsync(ct);
            foreach (var row in rows)
            {
                if (parse.GetValue(output.Json))
                {
                    RecordJson.WriteLine(stdout, j =>
                    {
                        j.WriteString("core", row.Core);
                        j.WriteString("server", row.Server);
                        j.WriteNumber("host_names", row.HostNames);
                        j.WriteNumber("grams_added", row.GramsAdded);
                        if (row.Error is null)
                        {
                            j.WriteNull("error");
                        }
                        else
                        {
                            j.WriteString("error", row.Error);
                        }
                    });
                }
                else
                {
                    stdout.Write(Encoding.UTF8.GetBytes(Text(row) + "\n"));
                }
            }
            return rows.Any(r => r.Error is not null) ? CliRunner.Error : CliRunner.Matched;
        }));
        return command;
    }

    /// <summary><c>core server: 24000 host names, 5210 grams added: index complete</c>, or the server's error.</summary>
    private static string Text(HostNameIndexRow row) =>
        row.Error is { } error
            ? $"{row.Core} {row.Server} error: {error}"
            : string.Create(CultureInfo.InvariantCulture, $"{row.Core} {row.Server}: {row.HostNames} host names, {row.GramsAdded} grams added: index complete");
}
