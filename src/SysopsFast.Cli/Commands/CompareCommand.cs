using System.CommandLine;
using SysopsFast.Output;
using SysopsFast.Pipeline;
using SysopsFast.Query;

namespace SysopsFast.Cli.Commands;

/// <summary>
/// <c>compare KEY PATTERN</c>: one object against every other matching object; and
/// <c>compare-all PATTERN</c>: the matching objects grouped by md5, each minority group diffed
/// against the majority. Both read headers first and fetch one record per distinct md5.
/// </summary>
internal static class CompareCommand
{
    public static Command Build()
    {
        var key = new Argument<string>("key") { Description = "The reference object's key, host#object (e.g. 'web1.example.org#/etc/sysctl.conf')" };
        var pattern = new Argument<string>("pattern") { Description = "Objects to compare it with (as for search)" };
        var fields = new FieldOptions();
        var output = new QueryOutput();
        var command = new Command("compare", "Compare one object with every other matching object: 'identical' or a unified diff") { key, pattern };
        fields.AddTo(command);
        output.AddTo(command);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, (fleet, stdout) =>
        {
            var field = fields.Parse(parse, RecordField.Contents);
            IComparePrinter printer = parse.GetValue(output.Json) ? new JsonComparePrinter(stdout) : new TextComparePrinter(stdout);
            return CompareAsync(parse, output, fleet, stdout, parse.GetValue(key)!, parse.GetValue(pattern)!, field, printer, ct);
        }));
        return command;
    }

    public static Command BuildAll()
    {
        var pattern = new Argument<string>("pattern") { Description = "Objects to group (as for search), e.g. /etc/sysctl.conf" };
        var hostList = new Option<bool>("--hostlist") { Description = "List every group's keys" };
        var output = new QueryOutput();
        var command = new Command("compare-all", "Group matching objects by md5, largest group first, and diff each other group against the majority") { pattern, hostList };
        output.AddTo(command);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, async (fleet, stdout) =>
        {
            IComparePrinter printer = parse.GetValue(output.Json) ? new JsonComparePrinter(stdout) : new TextComparePrinter(stdout);
            var grouping = await fleet.GroupByMd5Async(parse.GetValue(pattern)!, ct);
            var majority = grouping.Majority;
            for (var i = 0; i < grouping.Groups.Count; i++)
            {
                var g = grouping.Groups[i];
                var diff = i == 0 || g.Sample is null || majority!.Sample is null ? null : Comparisons.Contents(majority.Sample, g.Sample, g.Sample.Key);
                printer.Group(new GroupComparison(g, i == 0, diff), i, grouping.Groups.Count, parse.GetValue(hostList));
            }
            var forced = await output.FinishAsync(parse, fleet, stdout, [grouping.Headers, .. grouping.Fetches], grouping.Costs);
            return forced ?? await Unread(grouping.Groups) ?? (grouping.Groups.Count > 0 ? CliRunner.Matched : CliRunner.NoMatch);
        }));
        return command;
    }

    private static async Task<int> CompareAsync(ParseResult parse, QueryOutput output, FleetQuery fleet, Stream stdout, string key, string pattern, RecordField field, IComparePrinter printer, CancellationToken cancellationToken)
    {
        var reference = await fleet.FetchAsync([key], cancellationToken);
        if (reference.Items.Count == 0)
        {
            // Not a key: a pattern that must name exactly one object (the original's --search side).
            var keys = await fleet.SearchAsync(key, cancellationToken);
            if (keys.Items.Count != 1)
            {
                throw Errors.BadArgument(keys.Items.Count == 0
                    ? $"the object '{key}' was not found on {string.Join(", ", reference.Summary.Servers)}; give a whole key, host#object, as search prints it"
                    : $"'{key}' matches {keys.Items.Count} objects ({string.Join(", ", keys.Items.Take(5))}{(keys.Items.Count > 5 ? ", …" : "")}); the reference must be exactly one: narrow it down");
            }
            reference = await fleet.FetchAsync(keys.Items, cancellationToken);
            if (reference.Items.Count == 0)
            {
                throw Errors.BadArgument($"the object '{keys.Items[0]}' expired while it was read; run the query again");
            }
        }
        var mine = reference.Items[0];
        var grouping = await fleet.GroupByMd5Async(pattern, cancellationToken);
        var now = DateTimeOffset.UtcNow;
        var compared = 0;
        foreach (var group in grouping.Groups)
        {
            // One diff per distinct contents, relabelled for each key of the group.
            var sameContents = group.Md5 == mine.Header.Md5 && group.Length == mine.Header.RawLength;
            foreach (var member in group.Members.Where(m => m.Key != mine.Key))
            {
                byte[]? diff;
                if (field != RecordField.Contents)
                {
                    diff = Comparisons.Field(field, mine.Metadata, member, now);
                }
                else if (sameContents)
                {
                    diff = null;
                }
                else if (group.Sample is null)
                {
                    continue; // reported below: its contents changed while they were read
                }
                else
                {
                    diff = Comparisons.Contents(mine, group.Sample, member.Key);
                }
                printer.Compared(mine.Metadata, new Comparison(member, diff), field);
                compared++;
            }
        }
        var forced = await output.FinishAsync(parse, fleet, stdout, [reference.Summary, grouping.Headers, .. grouping.Fetches]);
        return forced ?? await Unread(grouping.Groups) ?? (compared > 0 ? CliRunner.Matched : CliRunner.NoMatch);
    }

    /// <summary>Groups none of whose records still had the group's md5 when fetched: said on stderr, exit 2.</summary>
    private static async Task<int?> Unread(IReadOnlyList<Md5Group> groups)
    {
        var unread = groups.Where(g => g.Sample is null).ToArray();
        foreach (var g in unread)
        {
            await Console.Error.WriteLineAsync($"sysops-fast: the {g.Count} object(s) with md5 {g.Md5Hex} (e.g. {g.Members[0].Key}) changed or expired while being read; run the query again");
        }
        return unread.Length > 0 ? CliRunner.Error : null;
    }
}
