using System.CommandLine;
using SysopsFast.Output;

namespace SysopsFast.Cli;

/// <summary>
/// <c>--color WHEN</c> with GNU grep's names (never, always, auto, and its synonyms). auto colours
/// when standard output is a terminal, TERM is not "dumb" and NO_COLOR is unset or empty.
/// </summary>
internal static class ColorOption
{
    public static Option<string?> Create()
    {
        var option = new Option<string?>("--color", "--colour")
        {
            Description = "Colour matches, host names and separators: never, always or auto (default: auto, when output is a terminal and NO_COLOR is not set)",
            HelpName = "WHEN",
        };
        option.CompletionSources.Add("never", "always", "auto");
        return option;
    }

    /// <summary>The style of standard output: escaped and possibly coloured on a terminal, as asked in a pipe.</summary>
    public static TextStyle Style(string? when, bool terminal)
    {
        var colour = (when ?? "auto") switch
        {
            "always" or "yes" or "force" => true,
            "never" or "no" or "none" => false,
            "auto" or "tty" or "if-tty" => terminal && Environment.GetEnvironmentVariable("TERM") != "dumb" && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")),
            _ => throw CliErrors.BadArgument($"--color takes never, always or auto, not '{when}'"),
        };
        return new TextStyle(terminal, colour);
    }
}
