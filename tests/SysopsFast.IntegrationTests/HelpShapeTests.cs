using System.Text.RegularExpressions;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>What --help says a command or an option takes is what it takes: the list of commands agrees with each command's usage line, placeholders with descriptions.</summary>
public sealed partial class HelpShapeTests
{
    /// <summary>Each row of <c>sysops-fast --help</c> shows the command's arguments as its own usage line does (optional ones in brackets).</summary>
    [Fact]
    public async Task The_command_list_shows_the_arguments_each_commands_usage_shows()
    {
        var list = (await CliProcessTests.Run("--help")).Stdout;
        var rows = list[(list.IndexOf("Commands:\n", StringComparison.Ordinal) + "Commands:\n".Length)..].Split('\n').TakeWhile(l => l.Length > 0).ToList();
        Assert.True(rows.Count > 15, list);
        foreach (var row in rows)
        {
            var label = Columns().Split(row.Trim())[0];
            var usage = (await CliProcessTests.Run(label.Split(' ')[0], "--help")).Stdout;
            // The usage line's parts that are no argument: subcommands, options, extract's pass-through words.
            var line = usage.Split('\n').SkipWhile(l => l != "Usage:").Skip(1).First().Trim().Replace(" [[--] <additional arguments>...]]", "", StringComparison.Ordinal);
            // Placeholder names aside (the usage line writes <dir> and <shell>, the list <DIR> and <bash|zsh>):
            // the same arguments, optional in both or in neither.
            Assert.Equal(Shape($"sysops-fast {label}"), Shape(line.Replace(" [command]", "", StringComparison.Ordinal).Replace(" [options]", "", StringComparison.Ordinal)));
        }
        Assert.Contains("  kv <object-pattern> [<key-glob>]  ", list, StringComparison.Ordinal);
        // Still one column of descriptions.
        Assert.Single(rows.Select(r => r.Length - Columns().Split(r.Trim(), 2)[1].Length).Distinct());
    }

    /// <summary>Placeholders name the values an option takes, and its description speaks of the same names.</summary>
    [Theory]
    [InlineData("grep", "--having <OBJECT TEXT>")]
    [InlineData("grep", "--lacking <OBJECT TEXT>")]
    [InlineData("kv", "--having <OBJECT TEXT>")]
    [InlineData("grep", "-m, --max-count <NUM>")]
    [InlineData("grep", "-A, --after-context <NUM>")]
    [InlineData("grep", "-B, --before-context <NUM>")]
    [InlineData("grep", "-C, --context <NUM>")]
    [InlineData("grep", "--max-age <DURATION>")]
    public async Task Option_placeholders_match_their_descriptions(string command, string label)
    {
        var help = (await CliProcessTests.Run(command, "--help")).Stdout;
        var row = help.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(label + "  ", StringComparison.Ordinal));
        Assert.True(row is not null, help);
        var description = Columns().Split(row)[1];
        foreach (var placeholder in Regex.Matches(label, "[A-Z]{3,}").Select(m => m.Value))
        {
            Assert.Contains(placeholder, description, StringComparison.Ordinal);
        }
    }

    private static string Shape(string usage) => Regex.Replace(usage, "<[^>]*>", "<>");

    /// <summary>Help's two columns are separated by two spaces or more.</summary>
    [GeneratedRegex(" {2,}")]
    private static partial Regex Columns();
}
