using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text;
using System.Text.RegularExpressions;

namespace SysopsFast.Cli;

/// <summary>
/// --help whose list of commands shows what each command takes as the command's own usage line does:
/// the parser lists an optional argument as <c>&lt;key-glob&gt;</c> but writes <c>[&lt;key-glob&gt;]</c>
/// in the usage line. System.CommandLine 3.0's help writer is not public, so its text is rewritten.
/// </summary>
internal sealed partial class HelpCommandList(HelpAction help) : SynchronousCommandLineAction
{
    /// <summary>As the help it wraps: asking for help is no usage error, whatever else is missing.</summary>
    public override bool ClearsParseErrors => help.ClearsParseErrors;

    public override int Invoke(ParseResult parseResult)
    {
        var configuration = parseResult.InvocationConfiguration;
        var output = configuration.Output;
        var text = new StringWriter();
        configuration.Output = text;
        int exit;
        try
        {
            exit = help.Invoke(parseResult);
        }
        finally
        {
            configuration.Output = output;
        }
        output.Write(Bracket(text.ToString(), parseResult.CommandResult.Command));
        return exit;
    }

    /// <summary>Brackets the optional arguments in the "Commands:" rows of <paramref name="help"/>, keeping the description column aligned.</summary>
    internal static string Bracket(string help, Command command)
    {
        var start = help.IndexOf("Commands:\n", StringComparison.Ordinal);
        if (start < 0)
        {
            return help;
        }
        start += "Commands:\n".Length;
        var end = help.IndexOf("\n\n", start, StringComparison.Ordinal) is var e and >= 0 ? e : help.Length;
        var subcommands = command.Subcommands.Where(c => !c.Hidden).ToDictionary(c => c.Name, StringComparer.Ordinal);
        var lines = help[start..end].Split('\n');
        var rows = lines.Select(l => Row().Match(l)).ToArray();
        var labels = rows.Select(r => r.Success && subcommands.TryGetValue(r.Groups[1].Value.Split(' ')[0], out var c) ? BracketLabel(r.Groups[1].Value, c) : null).ToArray();
        var shift = labels.Select((l, i) => l is null ? 0 : l.Length - rows[i].Groups[1].Length).DefaultIfEmpty(0).Max();
        if (shift == 0)
        {
            return help;
        }
        var list = new StringBuilder();
        for (var i = 0; i < lines.Length; i++)
        {
            list.Append(labels[i] is { } label
                ? $"  {label}{new string(' ', rows[i].Groups[1].Length + rows[i].Groups[2].Length + shift - label.Length)}{rows[i].Groups[3].Value}"
                : (lines[i].Length > 0 ? new string(' ', shift) : "") + lines[i]);
            list.Append(i < lines.Length - 1 ? "\n" : "");
        }
        return help[..start] + list + help[end..];
    }

    /// <summary>"name &lt;a&gt; &lt;b&gt;" with each optional argument's word in brackets, as the usage line writes it.</summary>
    private static string BracketLabel(string label, Command command)
    {
        var words = label.Split(' ');
        var arguments = command.Arguments.Where(a => !a.Hidden).ToArray();
        for (var i = 1; i < words.Length && i <= arguments.Length; i++)
        {
            var argument = arguments[i - 1];
            if (argument.Arity.MinimumNumberOfValues == 0 || argument.HasDefaultValue)
            {
                words[i] = $"[{words[i]}{(argument.Arity.MaximumNumberOfValues > 1 ? "..." : "")}]";
            }
        }
        return string.Join(' ', words);
    }

    /// <summary>A row of the list: two spaces, the label (single spaces inside), two or more spaces, the description.</summary>
    [GeneratedRegex(@"^  (\S+(?: \S+)*)( {2,})(.*)$")]
    private static partial Regex Row();
}
