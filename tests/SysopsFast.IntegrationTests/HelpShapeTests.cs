using System.Text.RegularExpressions;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>What --help says an option takes is what it takes, named as its description names it.</summary>
public sealed partial class HelpShapeTests
{
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

    /// <summary>Help's two columns are separated by two spaces or more.</summary>
    [GeneratedRegex(" {2,}")]
    private static partial Regex Columns();
}
