using System.CommandLine;
using System.Globalization;
using System.Text;
using SysopsFast.Output;

namespace SysopsFast.Cli.Commands;

/// <summary><c>list-files [pattern]</c>: the distinct object names, each with how many hosts hold it.</summary>
internal static class ListFilesCommand
{
    public static Command Build()
    {
        var pattern = new Argument<string>("pattern") { Description = "Only objects matching this pattern (as for search); default: every object", DefaultValueFactory = _ => "*#*" };
        var output = new QueryOutput();
        var changes = new ChangedSinceOptions();
        var original = SearchCommand.OriginalLayout();
        var command = new Command("list-files", "List the distinct objects stored, with the number of hosts that hold each") { pattern, original };
        output.AddTo(command, asOf: true);
        changes.AddTo(command);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, async (fleet, stdout) =>
        {
            if (changes.Parse(parse, output) is { } since)
            {
                return await changes.ListFilesAsync(parse, output, fleet, stdout, parse.GetValue(pattern)!, since, ct);
            }
            var keys = await fleet.SearchAsync(parse.GetValue(pattern)!, ct);
            var objects = keys.Items.Select(k => ObjectKey.Split(k).Object)
                .CountBy(o => o, StringComparer.Ordinal)
                .OrderBy(o => o.Key, StringComparer.Ordinal)
                .ToArray();
            var json = parse.GetValue(output.Json);
            foreach (var (name, hosts) in objects)
            {
                if (json)
                {
                    RecordJson.WriteLine(stdout, j =>
                    {
                        j.WriteString("object", name);
                        j.WriteNumber("hosts", hosts);
                    });
                }
                else if (parse.GetValue(original))
                {
                    stdout.Write(Encoding.UTF8.GetBytes($"files#{name}\n"));
                }
                else
                {
                    stdout.Write(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{hosts,7} {name}\n")));
                }
            }
            return await output.FinishAsync(parse, fleet, stdout, [keys.Summary]) ?? (objects.Length > 0 ? CliRunner.Matched : CliRunner.NoMatch);
        }));
        return command;
    }
}
