using System.CommandLine;
using SysopsFast.Compare;
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
    private static Option<bool> MinimalOption() => new("--minimal") { Description = "Insist on the shortest diff, as diff --minimal does (by default a long diff with many changes gives that up to finish quickly)" };

    public static Command Build()
    {
        var key = new Argument<string>("key") { Description = "The reference object's key, host#object (e.g. 'web1.example.org#/etc/sysctl.conf'), or a pattern naming exactly one object" };
        var pattern = new Argument<string>("pattern") { Description = "Objects to compare it with (as for search)" };
        var fields = new FieldOptions();
        var output = new QueryOutput();
        var minimal = MinimalOption();
        var command = new Command("compare", "Compare one object with every other matching object: 'identical' or a unified diff") { key, pattern, minimal };
        fields.AddTo(command, prefix: false);
        output.AddTo(command);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, (fleet, stdout) =>
        {
            var field = fields.Parse(parse, RecordField.Contents);
            IComparePrinter printer = parse.GetValue(output.Json) ? new JsonComparePrinter(stdout) : new TextComparePrinter(stdout);
            var search = new DiffSearch(parse.GetValue(minimal), ct);
            return CompareAsync(parse, output, fleet, stdout, (parse.GetValue(key)!, parse.GetValue(pattern)!), field, printer, search);
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
        output.AddTo(command, joins: true);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, async (fleet, stdout) =>
        {
            IComparePrinter printer = parse.GetValue(output.Json) ? new JsonComparePrinter(stdout) : new TextComparePrinter(stdout);
            var grouping = await fleet.Md5Groups.GroupAsync(parse.GetValue(pattern)!, ct);
            var fetches = new List<ExtractSummary>();
            var unread = new List<Md5Group>();
            FetchedRecord? majority = null;
            var index = 0;
            var search = new DiffSearch(parse.GetValue(minimal), ct);
            // Samples arrive a batch of groups at a time; only the majority's is kept.
            await fleet.Md5Groups.SampleEachAsync(grouping.Groups, fetches, group =>
            {
                majority = index == 0 ? group.Sample : majority;
                if (group.Sample is null)
                {
                    unread.Add(group);
                }
                // Each diff is printed before the next is made: a budget of its own.
                var diff = index == 0 || group.Sample is null || majority is null ? null : Comparisons.Contents(majority, group.Sample, group.Sample.Key, new DiffBudget(), search);
                printer.Group(new GroupComparison(group, index == 0, diff), index, grouping.Groups.Count, parse.GetValue(hostList));
                index++;
            }, ct);
            var forced = await output.FinishAsync(parse, fleet, stdout, [grouping.Headers, .. fetches], ServerCost.Phases(grouping.Headers, fetches));
            return forced ?? await Unread(unread) ?? (grouping.Groups.Count > 0 ? CliRunner.Matched : CliRunner.NoMatch);
        }));
        return command;
    }

    private static async Task<int> CompareAsync(ParseResult parse, QueryOutput output, FleetQuery fleet, Stream stdout, (string Key, string Pattern) objects, RecordField field, IComparePrinter printer, DiffSearch search)
    {
        var (key, pattern) = objects;
        var cancellationToken = search.CancellationToken;
        var summaries = new List<ExtractSummary>();
        var mine = await ReferenceAsync(fleet, key, summaries, cancellationToken);
        var compared = 0;
        var unread = new List<Md5Group>();
        ExtractSummary listing;
        if (field != RecordField.Contents)
        {
            // A header field: headers alone, no record fetched.
            var metadata = await fleet.ReadMetadataAsync(pattern, cancellationToken);
            summaries.Add(listing = metadata.Summary);
            var now = DateTimeOffset.UtcNow;
            foreach (var member in metadata.Items.Where(m => m.Key != mine.Key))
            {
                printer.Compared(mine.Metadata, new Comparison(member, Comparisons.Field(field, mine.Metadata, member, now)), field);
                compared++;
            }
        }
        else
        {
            var grouping = await fleet.Md5Groups.GroupAsync(pattern, cancellationToken);
            summaries.Add(listing = grouping.Headers);
            // One diff per distinct contents (the reference's own needs none), relabelled per key.
            var others = grouping.Groups.Where(g => g.Md5 != mine.Header.Md5 || g.Length != mine.Header.RawLength).ToArray();
            var diffs = new Dictionary<(UInt128, long), (byte[]? Diff, string Sample)>();
            var budget = new DiffBudget();
            await fleet.Md5Groups.SampleEachAsync(others, summaries, group =>
            {
                if (group.Sample is null)
                {
                    unread.Add(group);
                    return;
                }
                diffs[(group.Md5, group.Length)] = (Comparisons.Contents(mine, group.Sample, group.Sample.Key, budget, search), group.Sample.Key);
            }, cancellationToken);
            var members = grouping.Groups.SelectMany(g => g.Members.Select(m => (Member: m, Group: g)))
                .Where(m => m.Member.Key != mine.Key)
                .OrderBy(m => m.Member.Key, StringComparer.Ordinal);
            foreach (var (member, group) in members)
            {
                byte[]? diff = null;
                if (diffs.TryGetValue((group.Md5, group.Length), out var d))
                {
                    diff = d.Diff is null ? null : Comparisons.Relabel(d.Diff, mine.Key, d.Sample, member.Key);
                }
                else if (group.Md5 != mine.Header.Md5 || group.Length != mine.Header.RawLength)
                {
                    continue; // its contents changed while being read: reported below
                }
                printer.Compared(mine.Metadata, new Comparison(member, diff), field);
                compared++;
            }
        }
        var forced = await output.FinishAsync(parse, fleet, stdout, summaries, ServerCost.Phases(listing, summaries.Where(s => !ReferenceEquals(s, listing))));
        return forced ?? await Unread(unread) ?? (compared > 0 ? CliRunner.Matched : CliRunner.NoMatch);
    }

    /// <summary>The reference: the key as given, else the one object the text names as a pattern.</summary>
    private static async Task<FetchedRecord> ReferenceAsync(FleetQuery fleet, string key, List<ExtractSummary> summaries, CancellationToken cancellationToken)
    {
        var reference = await fleet.FetchAsync([key], cancellationToken);
        summaries.Add(reference.Summary);
        cancellationToken.ThrowIfCancellationRequested();
        if (reference.Items.Count > 0)
        {
            return reference.Items[0];
        }
        ThrowIfCorrupt(reference.Summary, key);
        // Not a key: a pattern that must name exactly one object (the original's --search side).
        var keys = await fleet.ReadMetadataAsync(key, cancellationToken);
        summaries.Add(keys.Summary);
        cancellationToken.ThrowIfCancellationRequested();
        if (keys.Items.Count != 1)
        {
            throw Errors.BadArgument(keys.Items.Count == 0
                ? $"the object '{key}' was not found on {string.Join(", ", reference.Summary.Servers)}; give a whole key, host#object, as search prints it"
                : $"'{key}' matches {keys.Items.Count} objects ({string.Join(", ", keys.Items.Take(5).Select(k => k.Key))}{(keys.Items.Count > 5 ? ", …" : "")}); the reference must be exactly one: narrow it down");
        }
        reference = await fleet.FetchAsync([keys.Items[0].KeyBytes], cancellationToken);
        summaries.Add(reference.Summary);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfCorrupt(reference.Summary, keys.Items[0].Key);
        return reference.Items.Count > 0 ? reference.Items[0] : throw Errors.BadArgument($"the object '{keys.Items[0].Key}' expired while it was read; run the query again");
    }

    private static void ThrowIfCorrupt(ExtractSummary summary, string key)
    {
        if (summary.Corrupt.Count > 0)
        {
            throw Errors.BadArgument($"the reference object '{key}' cannot be read: {summary.Corrupt[0].Reason}");
        }
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
