using System.CommandLine;
using System.CommandLine.Parsing;

namespace SysopsFast.Cli;

/// <summary>
/// An option whose value is one of an enum's members, spelt in lower case with dashes
/// (<c>zstd-dictionary</c>) in help, completion and messages, and read ignoring case and dashes.
/// The default is stated in the description and applied by <see cref="Value"/>: the parser's own
/// "[default: …]" would print the .NET spelling.
/// </summary>
internal sealed class ChoiceOption<T>
    where T : struct, Enum
{
    private static readonly string[] Names = [.. Enum.GetValues<T>().Select(Spell).Order(StringComparer.Ordinal)];

    public ChoiceOption(string name, string description, T defaultValue)
    {
        Default = defaultValue;
        Option = new Option<T>(name)
        {
            HelpName = string.Join('|', Names),
            Description = $"{description} (default: {Spell(defaultValue)})",
            CustomParser = Parse,
        };
        Option.CompletionSources.Clear(); // the enum's own names, in .NET spelling
        Option.CompletionSources.Add(Names);
    }

    public Option<T> Option { get; }

    public T Default { get; }

    /// <summary>The value given, else the default.</summary>
    public T Value(ParseResult parse) => parse.GetResult(Option) is { Tokens.Count: > 0 } ? parse.GetValue(Option) : Default;

    /// <summary>ZstdDictionary → zstd-dictionary.</summary>
    internal static string Spell(T value) =>
        string.Concat(value.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    private T Parse(ArgumentResult result)
    {
        if (result.Tokens.Count == 0)
        {
            return Default;
        }
        var text = result.Tokens[0].Value;
        foreach (var value in Enum.GetValues<T>())
        {
            // The .NET spelling (ZstdDictionary) is still taken: scripts written before keep working.
            if (string.Equals(text.Replace("-", "", StringComparison.Ordinal), value.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }
        var option = (result.Parent as OptionResult)?.IdentifierToken?.Value ?? Option.Name;
        result.AddError($"{option} takes {string.Join(", ", Names[..^1])} or {Names[^1]}, not '{text}'");
        return Default;
    }
}
