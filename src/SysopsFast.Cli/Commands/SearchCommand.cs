using System.CommandLine;
using SysopsFast.Output;
using SysopsFast.Pipeline;

namespace SysopsFast.Cli.Commands;

/// <summary><c>search PATTERN [field flag] [-H]</c>: matching keys, or one field of each.</summary>
internal static class SearchCommand
{
    /// <summary>Contents are fetched this many records at a time, in key order, so memory stays bounded.</summary>
    private const int ContentsChunk = 256;

    public static Command Build()
    {
        var pattern = new Argument<string>("pattern") { Description = "Objects to find: a name such as sysctl-a (means *name*), or a key glob with # such as 'web*#/etc/hosts'" };
        var fields = new FieldOptions();
        var output = new QueryOutput();
        var original = OriginalLayout();
        var command = new Command("search", "List the keys of matching objects (sorted), or one field of each: contents, md5, stat, word count, insertion time") { pattern };
        fields.AddTo(command);
        output.AddTo(command);
        command.Add(original);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, (fleet, stdout) =>
        {
            var field = fields.Parse(parse, RecordField.Key);
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
            // Headers first (120 bytes a key): the sorted keys as stored, fetched a chunk at a time.
            var keys = await fleet.ReadMetadataAsync(pattern, cancellationToken);
            summaries.Add(keys.Summary);
            foreach (var chunk in keys.Items.Select(k => k.KeyBytes).Chunk(ContentsChunk))
            {
                var records = await fleet.FetchAsync(chunk, cancellationToken);
                summaries.Add(records.Summary);
                foreach (var record in records.Items)
                {
                    printer.Contents(record);
                }
                printed += records.Items.Count;
            }
        }
        else
        {
            var metadata = await fleet.ReadMetadataAsync(pattern, cancellationToken);
            summaries.Add(metadata.Summary);
            foreach (var record in metadata.Items)
            {
                printer.Field(record, field);
            }
            printed = metadata.Items.Count;
        }
        // Keys are counted once, by the phase that found them; fetch phases add bytes and time.
        var found = summaries[0].Costs.ToDictionary(c => c.Server, c => c.Keys, StringComparer.Ordinal);
        var costs = ServerCost.Merge(summaries.SelectMany(s => s.Costs)).Select(c => c with { Keys = found.GetValueOrDefault(c.Server) }).ToArray();
        return await output.FinishAsync(parse, fleet, stdout, summaries, costs) ?? (printed > 0 ? CliRunner.Matched : CliRunner.NoMatch);
    }
}
