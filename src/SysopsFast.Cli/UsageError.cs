using System.CommandLine;
using System.CommandLine.Parsing;

namespace SysopsFast.Cli;

/// <summary>
/// What is wrong with a command line, as the one line Program prints before exiting 2: an unknown
/// command or option, named with the closest real one as GNU tools name them, else the parser's
/// first error; each pointing at the command's own --help. A word that looks like an option (it
/// starts with '-' and is not '-' alone) and is none is refused, never taken as a pattern: a
/// pattern starting with '-' comes after "--" (or, for grep, with -e).
/// </summary>
internal static class UsageError
{
    public const string Program = "sysops-fast";

    /// <summary>The line to print, or null when the command line can run (or asks for help or the version).</summary>
    public static string? Find(ParseResult parse)
    {
        if (parse.Action is { ClearsParseErrors: true })
        {
            return null;
        }
        var command = parse.CommandResult;
        var usage = Usage(command);
        var hint = $" (see {usage} --help)";
        if (UnknownCommand(parse) is { } word)
        {
            return $"{usage}: unknown command '{Shown(word)}'{SpellingSuggestion.For(word, command.Command.Subcommands.Select(c => c.Name))}{hint}";
        }
        if (command.Command.TreatUnmatchedTokensAsErrors && OptionLikeWords(parse).FirstOrDefault() is { } option)
        {
            return $"{usage}: unrecognized option '{Shown(option)}'{SpellingSuggestion.For(option, OptionNames(command))}{hint}";
        }
        if (parse.Errors.Count == 0)
        {
            return null;
        }
        if (command.Command.Subcommands.Count > 0 && command.Command.Action is null)
        {
            return $"{usage}: which command? one of {string.Join(", ", command.Command.Subcommands.Select(c => c.Name))}{hint}";
        }
        return $"{Program}: {OneLine(parse.Errors[0].Message)}{hint}";
    }

    /// <summary>"sysops-fast dict train": the words that name the command.</summary>
    internal static string Usage(CommandResult command)
    {
        var names = new List<string>();
        for (var c = command; c.Parent is CommandResult parent; c = parent)
        {
            names.Insert(0, c.Command.Name);
        }
        return string.Join(' ', [Program, .. names]);
    }

    /// <summary>The first word given where a command of this command's is expected, when none is one.</summary>
    private static string? UnknownCommand(ParseResult parse) =>
        parse.CommandResult.Command.Subcommands.Count > 0 ? parse.UnmatchedTokens.FirstOrDefault(w => !LooksLikeOption(w)) : null;

    /// <summary>
    /// Words before "--" that look like options and are none: unmatched, or taken as the value of
    /// one of the command's arguments (grep's text-pattern, kv's key-glob), where the parser puts
    /// a word it does not know.
    /// </summary>
    private static IEnumerable<string> OptionLikeWords(ParseResult parse)
    {
        var argumentWords = parse.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var token in parse.Tokens.TakeWhile(t => t.Type != TokenType.DoubleDash))
        {
            if (token.Type == TokenType.Argument && LooksLikeOption(token.Value) && (argumentWords.Contains(token) || parse.UnmatchedTokens.Contains(token.Value)))
            {
                yield return token.Value;
            }
        }
    }

    private static bool LooksLikeOption(string word) => word.Length > 1 && word[0] == '-';

    /// <summary>The command's options and its parents' recursive ones (--verbose, --help), with every alias.</summary>
    private static IEnumerable<string> OptionNames(CommandResult command)
    {
        for (SymbolResult? c = command; c is CommandResult current; c = current.Parent)
        {
            foreach (var option in current.Command.Options.Where(o => c == command || o.Recursive))
            {
                yield return option.Name;
                foreach (var alias in option.Aliases)
                {
                    yield return alias;
                }
            }
        }
    }

    /// <summary>A word as typed, a line break in it written as \n: the message stays one line.</summary>
    private static string Shown(string word) => word.ReplaceLineEndings("\\n");

    /// <summary>A message on one line: the parser's own may span several, and a value given may hold a newline.</summary>
    internal static string OneLine(string message) =>
        string.Join(' ', message.Split(['\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
