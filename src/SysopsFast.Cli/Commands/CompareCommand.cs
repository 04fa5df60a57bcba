using System.CommandLine;
using SysopsFast.Output;
using SysopsFast.Query;

namespace SysopsFast.Cli.Commands;

/// <summary>
/// <c>compare KEY PATTERN</c>: one object against every other matching object; and
/// <c>compare-all PATTERN</c>: the matching objects grouped by md5, each minority group diffed
/// against the majority. Both read headers first and fetch one record per distinct md5.
/// </summary>
internal static class CompareCommand
{
    private static Option<bool> MinimalOption() => new("--minimal") { Description = "Insist on the shortest diff, as diff --minimal does (by default a long diff with many changes gives that up to finish quickly)" };

    public static Command Build()
    {
        var key = new Argument<string>("key") { Description = "The reference object's key, host#object (e.g. 'web1.example.org#/etc/sysctl.conf'), or a pattern naming exactly one object" };
        var pattern = new Argument<string?>("pattern") { Description = "Objects to compare it with (as for search); not with --previous", Arity = ArgumentArity.ZeroOrOne };
        var previous = new Option<bool>("--previous") { Description = "Diff the object's previous version (its history's newest entry) against its current one" };
        var fields = new FieldOptions();
        var output = new QueryOutput();
        var minimal = MinimalOption();
        var command = new Command("compare", "Compare one object with every other matching object, or with its previous version: 'identical' or a unified diff") { key, pattern, previous, minimal };
        fields.AddTo(command, prefix: false);
        output.AddTo(command);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, async (fleet, stdout) =>
        {
            var field = fields.Parse(parse, RecordField.Contents);
            IComparePrinter printer = parse.GetValue(output.Json) ? new JsonComparePrinter(stdout) : new TextComparePrinter(stdout);
            var options = new CompareOptions { Field = field, Minimal = parse.GetValue(minimal) };
            var others = parse.GetValue(pattern);
            if (parse.GetValue(previous) == others is not null)
            {
                throw CliErrors.BadArgument(others is null ? "compare: give the objects to compare with, or --previous" : "compare: --previous compares the object with its own previous version; give no pattern with it");
            }
            var result = others is null
                ? await fleet.Comparison.ComparePreviousAsync(parse.GetValue(key)!, options, (reference, comparison) => printer.Compared(reference, comparison, field), ct)
                : await fleet.Comparison.CompareAsync(parse.GetValue(key)!, others, options, (reference, comparison) => printer.Compared(reference, comparison, field), ct);
            if (others is null && result.Compared == 0)
            {
                await Console.Error.WriteLineAsync($"sysops-fast: no previous version of '{parse.GetValue(key)}' is kept");
            }
            return await FinishAsync(parse, output, fleet, stdout, result);
        }));
        return command;
    }

    public static Command BuildAll()
    {
        var pattern = new Argument<string>("pattern") { Description = "Objects to group (as for search), e.g. /etc/sysctl.conf" };
        var hostList = new Option<bool>("--hostlist") { Description = "List every group's keys" };
        var minimal = MinimalOption();
        var output = new QueryOutput();
        var command = new Command("compare-all", "Group matching objects by md5, largest group first, and diff each other group against the majority") { pattern, hostList, minimal };
        output.AddTo(command, joins: true, asOf: true);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, async (fleet, stdout) =>
        {
            IComparePrinter printer = parse.GetValue(output.Json) ? new JsonComparePrinter(stdout) : new TextComparePrinter(stdout);
            var options = new CompareOptions { Minimal = parse.GetValue(minimal) };
            var result = await fleet.Comparison.CompareAllAsync(parse.GetValue(pattern)!, options, (group, index, groups) => printer.Group(group, index, groups, parse.GetValue(hostList)), ct);
            return await FinishAsync(parse, output, fleet, stdout, result);
        }));
        return command;
    }

    /// <summary>The reports after the answer, then the exit code: unread groups are an error (2); nothing compared, 1.</summary>
    private static async Task<int> FinishAsync(ParseResult parse, QueryOutput output, FleetQuery fleet, Stream stdout, ComparisonResult result)
    {
        var forced = await output.FinishAsync(parse, fleet, stdout, result.Summaries, result.Costs);
        return forced ?? await Unread(result.Unread) ?? (result.Compared > 0 ? CliRunner.Matched : CliRunner.NoMatch);
    }

    /// <summary>Groups none of whose records still had the group's md5 when fetched: said on stderr, exit 2.</summary>
    private static async Task<int?> Unread(IReadOnlyList<Md5Group> unread)
    {
        foreach (var g in unread)
        {
            await Console.Error.WriteLineAsync($"sysops-fast: the {g.Count} object(s) with md5 {g.Md5Hex} (e.g. {g.Members[0].Key}) changed or expired while being read; run the query again");
        }
        return unread.Count > 0 ? CliRunner.Error : null;
    }
}
