using System.CommandLine;
using SysopsFast.Output;
using SysopsFast.Pipeline;
using SysopsFast.Query;

namespace SysopsFast.Cli.Commands;

/// <summary><c>search PATTERN [field flag] [-H]</c>: matching keys, or one field of each.</summary>
internal static class SearchCommand
{
    public static Command Build()
    {
        var pattern = new Argument<string>("pattern") { Description = "Objects to find: a name such as sysctl-a (means *name*), or a key glob with # such as 'web*#/etc/hosts'" };
        var fields = new FieldOptions();
        var output = new QueryOutput();
        var changes = new ChangedSinceOptions();
        var original = OriginalLayout();
        var command = new Command("search", "List the keys of matching objects (sorted), or one field of each: contents, md5, stat, word count, insertion time") { pattern };
        fields.AddTo(command);
        output.AddTo(command, joins: true, asOf: true);
        changes.AddTo(command, diff: true);
        command.Add(original);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, (fleet, stdout) =>
        {
            var field = fields.Parse(parse, RecordField.Key);
            if (changes.Parse(parse, output) is { } since)
            {
                return field == RecordField.Key
                    ? changes.SearchAsync(parse, output, fleet, stdout, parse.GetValue(pattern)!, since, ct)
                    : throw CliErrors.BadArgument("--changed-since lists the keys that changed (--diff: how); it cannot be combined with a field flag");
            }
            ISearchPrinter printer = parse.GetValue(output.Json) ? new JsonSearchPrinter(stdout) : new TextSearchPrinter(stdout, parse.GetValue(fields.Prefix), DateTimeOffset.UtcNow, parse.GetValue(original));
            return RunAsync(parse, output, fleet, stdout, parse.GetValue(pattern)!, field, printer, ct);
        }));
        return command;
    }

    /// <summary>The original tool's texts, for <c>extract</c>; hidden because it is not the modern interface.</summary>
    public static Option<bool> OriginalLayout() => new("--original-layout") { Hidden = true, Description = "Print fields as the original sysops-api did" };

    private static async Task<int> RunAsync(ParseResult parse, QueryOutput output, FleetQuery fleet, Stream stdout, string pattern, RecordField field, ISearchPrinter printer, CancellationToken cancellationToken)
    {
        var summaries = new List<ExtractSummary>();
        long printed = 0;
        if (field == RecordField.Key)
        {
            var keys = await fleet.SearchAsync(pattern, cancellationToken);
            summaries.Add(keys.Summary);
            foreach (var key in keys.Items)
            {
                printer.Key(key);
            }
            printed = keys.Items.Count;
        }
        else if (field == RecordField.Contents)
        {
            printed = await PrintContentsAsync(fleet, pattern, printer, summaries, cancellationToken);
        }
        else
        {
            var metadata = await fleet.ReadMetadataAsync(pattern, cancellationToken);
            summaries.Add(metadata.Summary);
            printer.Fields(metadata.Items, field);
            printed = metadata.Items.Count;
        }
        var costs = ServerCost.Phases(summaries[0], summaries.Skip(1));
        return await output.FinishAsync(parse, fleet, stdout, summaries, costs) ?? (printed > 0 ? CliRunner.Matched : CliRunner.NoMatch);
    }

    /// <summary>The records, in key order; objects over the size cap (stored without contents) and keys gone before they were fetched are said on stderr, not printed as empty.</summary>
    private static async Task<long> PrintContentsAsync(FleetQuery fleet, string pattern, ISearchPrinter printer, List<ExtractSummary> summaries, CancellationToken cancellationToken)
    {
        var listing = await fleet.ReadContentsAsync(pattern, printer.Contents, cancellationToken);
        summaries.AddRange(listing.Summaries);
        var omitted = listing.Omitted;
        if (omitted.Count > 0)
        {
            await Console.Error.WriteLineAsync($"sysops-fast: {omitted.Count} object(s) were over the size cap when pushed; their contents were not stored: {string.Join(", ", omitted.Take(5))}{(omitted.Count > 5 ? ", …" : "")}");
        }
        if (listing.Expired > 0)
        {
            await Console.Error.WriteLineAsync($"sysops-fast: {listing.Expired} object(s) listed expired before their contents were read");
        }
        return listing.Read + omitted.Count;
    }
}
