using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using SysopsFast.Cli.Commands;

namespace SysopsFast.Cli;

/// <summary>
/// Rules every option and argument of the tree follows, added in one walk over it: a number that
/// is no whole number or too large is refused naming the option and its limit (the parser's own
/// message names the .NET type, "System.Nullable`1[System.Int64]"), and a file or directory name
/// is never the empty string.
/// </summary>
internal static class ValueRules
{
    /// <summary>File options where '' says "none" (push's --config and --hardware-identification: skip the default file).</summary>
    private static readonly HashSet<Option> EmptyAllowed = [];

    /// <summary>Marks <paramref name="option"/> as one whose empty value means "none" rather than a missing name.</summary>
    public static T EmptyMeansNone<T>(T option)
        where T : Option
    {
        EmptyAllowed.Add(option);
        return option;
    }

    public static void AddTo(Command command)
    {
        foreach (var option in command.Options)
        {
            AddNumberParser(option);
            if (option.HelpName is CompletionCommand.FileValue or CompletionCommand.DirectoryValue && !EmptyAllowed.Contains(option))
            {
                option.Validators.Add(result => RefuseEmpty(result, option.Name, option.HelpName));
            }
        }
        foreach (var argument in command.Arguments.Where(a => a.HelpName is CompletionCommand.FileValue or CompletionCommand.DirectoryValue))
        {
            argument.Validators.Add(result => RefuseEmpty(result, argument.HelpName!, argument.HelpName));
        }
        foreach (var subcommand in command.Subcommands)
        {
            AddTo(subcommand);
        }
    }

    private static void AddNumberParser(Option option)
    {
        switch (option)
        {
            case Option<int> { CustomParser: null } o:
                o.CustomParser = WholeNumber<int>;
                break;
            case Option<int?> { CustomParser: null } o:
                o.CustomParser = r => WholeNumber<int>(r);
                break;
            case Option<long> { CustomParser: null } o:
                o.CustomParser = WholeNumber<long>;
                break;
            case Option<long?> { CustomParser: null } o:
                o.CustomParser = r => WholeNumber<long>(r);
                break;
            case Option<ulong> { CustomParser: null } o:
                o.CustomParser = WholeNumber<ulong>;
                break;
        }
    }

    private static T WholeNumber<T>(ArgumentResult result)
        where T : struct, IBinaryInteger<T>, IMinMaxValue<T>
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (T.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        result.AddError(string.Create(CultureInfo.InvariantCulture, $"{Name(result)} takes a whole number up to {T.MaxValue}, not '{text}'"));
        return default;
    }

    private static void RefuseEmpty(SymbolResult result, string name, string? kind)
    {
        if (result.Tokens.Any(t => t.Value.Length == 0))
        {
            result.AddError($"{name} is empty; give a {(kind == CompletionCommand.DirectoryValue ? "directory" : "file")}");
        }
    }

    /// <summary>The option as typed (-m or --max-count).</summary>
    private static string Name(ArgumentResult result) => (result.Parent as OptionResult)?.IdentifierToken?.Value ?? result.Argument.Name;
}
