using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using SysopsFast.Output;
using SysopsFast.Query;

namespace SysopsFast.Cli.Commands;

/// <summary><c>kv OBJECT-PATTERN [KEY-GLOB]</c>: each key's distinct values across the fleet, drifting keys first.</summary>
internal static class KvCommand
{
    public static Command Build()
    {
        var objectPattern = new Argument<string>("object-pattern") { Description = "Objects to read: a name such as sysctl-a or sysctl.conf (means *name*), or a key glob with # such as 'web*#/etc/sysctl.conf'" };
        var keyGlob = new Argument<string?>("key-glob") { Arity = ArgumentArity.ZeroOrOne, Description = "Only keys matching this shell glob, e.g. 'net.core.*' (default: every key)" };
        var onlyDrift = new Option<bool>("--only-drift") { Description = "Only keys with two or more values, or missing from some hosts" };
        var showHosts = new Option<int>("--show-hosts")
        {
            HelpName = "N|all",
            Description = "Name N hosts per value (the first in sorted order), or all of them",
            DefaultValueFactory = _ => 0,
            CustomParser = ParseShowHosts,
        };
        showHosts.CompletionSources.Add("all");
        var output = new QueryOutput();
        var changes = new ChangedSinceOptions();
        var command = new Command("kv", "Parse key=value lines (sysctl -a, sysctl.conf, ini) and print each key's distinct values with host counts, keys that differ across the fleet first")
        {
            objectPattern, keyGlob, onlyDrift, showHosts,
        };
        output.AddTo(command, joins: true, asOf: true);
        changes.AddTo(command);
        command.SetAction((parse, ct) => output.RunAsync(parse, ct, async (fleet, stdout) =>
        {
            var request = new KeyValueRequest(parse.GetValue(objectPattern)!)
            {
                KeyGlob = parse.GetValue(keyGlob),
                SampleHosts = parse.GetValue(showHosts),
                OnlyDrift = parse.GetValue(onlyDrift),
            };
            if (changes.Parse(parse, output) is { } since)
            {
                return await changes.KeyValuesAsync(parse, output, fleet, stdout, request, since, ct);
            }
            var answer = await fleet.KeyValuesAsync(request, ct);
            IKeyValuePrinter printer = parse.GetValue(output.Json) ? new JsonKeyValuePrinter(stdout) : new TextKeyValuePrinter(stdout, terminal: !Console.IsOutputRedirected);
            foreach (var row in answer.Items)
            {
                printer.Key(row);
            }
            return await output.FinishAsync(parse, fleet, stdout, [answer.Summary]) ?? (answer.Items.Count > 0 ? CliRunner.Matched : CliRunner.NoMatch);
        }));
        return command;
    }

    /// <summary>A count, or <c>all</c>; anything else is a usage error (exit 2).</summary>
    private static int ParseShowHosts(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "0";
        if (string.Equals(text, "all", StringComparison.OrdinalIgnoreCase))
        {
            return KeyValueRequest.AllHosts;
        }
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return n;
        }
        result.AddError($"--show-hosts takes a number of hosts or 'all', not '{text}'");
        return 0;
    }
}
