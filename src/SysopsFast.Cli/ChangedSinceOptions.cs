using System.CommandLine;
using SysopsFast.Output;
using SysopsFast.Pipeline;
using SysopsFast.Query;

namespace SysopsFast.Cli;

/// <summary>
/// <c>--changed-since TIME</c> (search, list-files, kv) and <c>--diff</c> (search): which objects
/// changed since a time, and how; each answer is a library call (<see cref="FleetChanges"/>) printed
/// by an <see cref="IChangePrinter"/>.
/// </summary>
internal sealed class ChangedSinceOptions
{
    public Option<string?> Since { get; } = new("--changed-since")
    {
        HelpName = "TIME",
        Description = "Only the keys whose contents differ from what they held at TIME (2026-12-01T10:00Z, 2026-12-01, 3h, 2d…); a key with no version kept from then counts as new",
    };

    public Option<bool>? Diff { get; private set; }

    /// <param name="diff">Whether the command takes --diff (search).</param>
    public void AddTo(Command command, bool diff = false)
    {
        command.Add(Since);
        if (diff)
        {
            Diff = new Option<bool>("--diff") { Description = "With --changed-since: each changed key's unified diff from its version at TIME to now" };
            command.Add(Diff);
        }
    }

    /// <summary>The time asked for, or null; --diff without it, or with --as-of, is a usage error.</summary>
    public DateTimeOffset? Parse(ParseResult parse, QueryOutput output)
    {
        var since = CommonOptions.ParseTime(parse.GetValue(Since));
        if (since is null)
        {
            return Diff is not null && parse.GetValue(Diff) ? throw CliErrors.BadArgument("--diff shows what changed since a time; give it with --changed-since TIME") : null;
        }
        if (output.AsOf is not null && parse.GetValue(output.AsOf) is not null)
        {
            throw CliErrors.BadArgument("--changed-since and --as-of cannot be combined; ask what changed since a time, or how the fleet stood at one");
        }
        return since;
    }

    /// <summary><c>search PATTERN --changed-since TIME [--diff]</c>.</summary>
    public async Task<int> SearchAsync(ParseResult parse, QueryOutput output, FleetQuery fleet, Stream stdout, string pattern, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var printer = Printer(parse, output, stdout);
        var listing = Diff is not null && parse.GetValue(Diff)
            ? await fleet.Changes.DiffSinceAsync(pattern, since, printer.Diff, cancellationToken: cancellationToken)
            : await fleet.Changes.SinceAsync(pattern, since, cancellationToken);
        if (Diff is null || !parse.GetValue(Diff))
        {
            foreach (var change in listing.Items)
            {
                printer.Key(change);
            }
        }
        return await FinishAsync(parse, output, fleet, stdout, listing.Summaries, listing.Items.Count);
    }

    /// <summary><c>list-files [PATTERN] --changed-since TIME</c>: each object with the hosts whose copy changed.</summary>
    public async Task<int> ListFilesAsync(ParseResult parse, QueryOutput output, FleetQuery fleet, Stream stdout, string pattern, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var printer = Printer(parse, output, stdout);
        var listing = await fleet.Changes.SinceAsync(pattern, since, cancellationToken);
        var objects = listing.Items.GroupBy(c => c.Now.Object, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
        foreach (var group in objects)
        {
            printer.Object(group.Key, group.Count(), group.Count(c => c.IsNew));
        }
        return await FinishAsync(parse, output, fleet, stdout, listing.Summaries, objects.Length);
    }

    /// <summary><c>kv OBJECT [KEY-GLOB] --changed-since TIME</c>: kv drift over time.</summary>
    public async Task<int> KeyValuesAsync(ParseResult parse, QueryOutput output, FleetQuery fleet, Stream stdout, KeyValueRequest request, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var printer = Printer(parse, output, stdout);
        var answer = await fleet.Changes.KeyValuesSinceAsync(request, since, cancellationToken);
        foreach (var change in answer.Items)
        {
            printer.KeyValue(change);
        }
        return await FinishAsync(parse, output, fleet, stdout, [answer.Summary], answer.Items.Count);
    }

    private static IChangePrinter Printer(ParseResult parse, QueryOutput output, Stream stdout) =>
        parse.GetValue(output.Json) ? new JsonChangePrinter(stdout) : new TextChangePrinter(stdout);

    private static async Task<int> FinishAsync(ParseResult parse, QueryOutput output, FleetQuery fleet, Stream stdout, IReadOnlyList<ExtractSummary> summaries, int printed) =>
        await output.FinishAsync(parse, fleet, stdout, summaries, ServerCost.Phases(summaries[0], summaries.Skip(1))) ?? (printed > 0 ? CliRunner.Matched : CliRunner.NoMatch);
}
