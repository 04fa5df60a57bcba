using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.AspNetCore.Http;

namespace SysopsFast.Cli.Serve;

/// <summary>
/// A request as the command line it stands for: <c>/api/v1/grep?object=sysctl-a&amp;pattern=x&amp;uniq=true</c>
/// or <c>/api/v1/query?q=grep sysctl-a x --uniq</c> both become <c>grep … </c> words, which the
/// CLI's own command tree parses (<see cref="CommandTree"/>).
/// </summary>
internal static class ApiArguments
{
    /// <summary>The commands a request may run: those that only read.</summary>
    public static readonly IReadOnlyList<string> QueryCommands = ["grep", "search", "list-files", "compare", "compare-all", "history", "kv", "info", "verify", "audit", "topology"];

    /// <summary>
    /// Options only serve's own command line sets: where to connect and which local files to read
    /// (a request must not make the server read its files or reach other servers), and what the
    /// API decides itself (the output format, help, stack traces).
    /// </summary>
    private static readonly HashSet<string> ServerOnly = new(StringComparer.Ordinal)
    {
        "--server", "--topology", "--hosts", "--range-server", "--tls-ca", "--tls-cert", "--tls-key", "--verbose", "--help", "--version", "--color",
    };

    /// <summary>The query-string name of an argument: its CLI name, the two patterns shortened as the API documents them.</summary>
    public static string ParameterName(Argument argument) => argument.Name switch
    {
        "object-pattern" => "object",
        "text-pattern" => "pattern",
        var name => name,
    };

    /// <summary>Whether a request may give this option.</summary>
    public static bool Allowed(Option option) => !ServerOnly.Contains(option.Name) && option.Name is not ("--json" or "--csv");

    /// <summary>
    /// The words of <c>/api/v1/&lt;command&gt;?…</c>: options as <c>--name=value</c> (one value per
    /// occurrence; an option of two values, --having, splits at the first blank), then "--" and the
    /// arguments in their order, so that no value is ever read as an option.
    /// </summary>
    /// <returns>The words, or null with <paramref name="error"/> when an argument is missing before one that is given (the words could not say which is which).</returns>
    public static List<string>? FromQueryString(Command command, IQueryCollection query, out string? error)
    {
        error = null;
        var words = new List<string> { command.Name };
        var arguments = new List<string>();
        string? missing = null;
        foreach (var argument in command.Arguments)
        {
            if (query.TryGetValue(ParameterName(argument), out var values) || query.TryGetValue(argument.Name, out values))
            {
                if (missing is not null)
                {
                    error = $"{UsageError.Program} {command.Name}: '{ParameterName(argument)}' is given without '{missing}' (see /openapi.json)";
                    return null;
                }
                arguments.AddRange(values.OfType<string>());
            }
            else
            {
                missing ??= ParameterName(argument);
            }
        }
        foreach (var (name, values) in query)
        {
            if (name == "format" || command.Arguments.Any(a => a.Name == name || ParameterName(a) == name))
            {
                continue;
            }
            var option = command.Options.FirstOrDefault(o => o.Name == "--" + name);
            foreach (var value in values.OfType<string>())
            {
                if (option is { Arity.MaximumNumberOfValues: > 1, AllowMultipleArgumentsPerToken: true })
                {
                    words.Add(option.Name);
                    words.AddRange(value.Split(' ', 2, StringSplitOptions.TrimEntries));
                }
                else
                {
                    words.Add($"--{name}={value}");
                }
            }
        }
        words.Add("--");
        words.AddRange(arguments);
        return words;
    }

    /// <summary>The first option of the parse that only the server may set, or null.</summary>
    public static string? ServerOnlyOption(ParseResult parse) =>
        parse.CommandResult.Children.OfType<OptionResult>().Where(r => !r.Implicit && ServerOnly.Contains(r.Option.Name)).Select(r => r.Option.Name).FirstOrDefault()
        ?? (parse.Action is { ClearsParseErrors: true } ? "--help" : null);

    /// <summary>Whether the words ask for an option (before "--").</summary>
    public static bool Has(IEnumerable<string> words, string option) => words.TakeWhile(w => w != "--").Contains(option);

    /// <summary>
    /// The words of serve's own targeting options (--server, --topology, --scope, …) as given on its
    /// command line, added to every request's.
    /// </summary>
    public static List<string> GivenOptions(ParseResult parse, IEnumerable<Option> options)
    {
        var words = new List<string>();
        foreach (var option in options)
        {
            if (parse.GetResult(option) is { Implicit: false } result)
            {
                if (result.Tokens.Count == 0)
                {
                    words.Add(option.Name);
                }
                foreach (var token in result.Tokens)
                {
                    words.Add($"{option.Name}={token.Value}");
                }
            }
        }
        return words;
    }
}
