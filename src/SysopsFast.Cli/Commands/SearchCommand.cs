using System.CommandLine;
using SysopsFast.Output;
using SysopsFast.Format;
using SysopsFast.Pipeline;
using SysopsFast.Query;

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
        output.AddTo(command, joins: true);
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
            printed = await PrintContentsAsync(fleet, pattern, printer, summaries, cancellationToken);
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
        var costs = ServerCost.Phases(summaries[0], summaries.Skip(1));
        return await output.FinishAsync(parse, fleet, stdout, summaries, costs) ?? (printed > 0 ? CliRunner.Matched : CliRunner.NoMatch);
    }

    /// <summary>Raw bytes of the records fetched at once: memory holds a chunk, never the fleet's contents.</summary>
    private const long ContentsChunkBytes = 64L << 20;

    /// <summary>
    /// Headers first (120 bytes a key: the sorted keys as stored, and each record's size), then the
    /// records a chunk at a time, in key order. Objects over the size cap (stored without contents)
    /// and keys gone before they were fetched are said on stderr, not printed as empty.
    /// </summary>
    private static async Task<long> PrintContentsAsync(FleetQuery fleet, string pattern, ISearchPrinter printer, List<ExtractSummary> summaries, CancellationToken cancellationToken)
    {
        var keys = await fleet.ReadMetadataAsync(pattern, cancellationToken);
        summaries.Add(keys.Summary);
        var omitted = keys.Items.Where(k => (k.Header.Flags & RecordFlags.Omitted) != 0).Select(k => k.Key).ToArray();
        var stored = keys.Items.Where(k => (k.Header.Flags & RecordFlags.Omitted) == 0).ToArray();
        long printed = 0;
        foreach (var chunk in Chunks(stored))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var records = await fleet.FetchAsync(chunk.Select(k => k.KeyBytes), cancellationToken);
            summaries.Add(records.Summary);
            foreach (var record in records.Items)
            {
                printer.Contents(record);
            }
            printed += records.Items.Count;
        }
        if (omitted.Length > 0)
        {
            await Console.Error.WriteLineAsync($"sysops-fast: {omitted.Length} object(s) were over the size cap when pushed; their contents were not stored: {string.Join(", ", omitted.Take(5))}{(omitted.Length > 5 ? ", …" : "")}");
        }
        if (stored.Length > printed)
        {
            await Console.Error.WriteLineAsync($"sysops-fast: {stored.Length - printed} object(s) listed expired before their contents were read");
        }
        return printed + omitted.Length;
    }

    private static IEnumerable<RecordMetadata[]> Chunks(IEnumerable<RecordMetadata> records)
    {
        var chunk = new List<RecordMetadata>();
        long bytes = 0;
        foreach (var r in records)
        {
            if (chunk.Count > 0 && (chunk.Count == ContentsChunk || bytes + r.Header.RawLength > ContentsChunkBytes))
            {
                yield return chunk.ToArray();
                chunk.Clear();
                bytes = 0;
            }
            chunk.Add(r);
            bytes += r.Header.RawLength;
        }
        if (chunk.Count > 0)
        {
            yield return chunk.ToArray();
        }
    }
}
