using SysopsFast.Cli;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>The examples under --help are shown, and each one is a valid command line.</summary>
public sealed class HelpExamplesTests
{
    public static TheoryData<string> Commands() => [.. HelpExamples.Examples.Keys];

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_shows_examples_that_parse(string command)
    {
        var (exit, stdout, _) = await CliProcessTests.Run(command, "--help");
        Assert.Equal(0, exit);
        Assert.Contains("Examples:\n", stdout, StringComparison.Ordinal);
        foreach (var example in HelpExamples.Examples[command])
        {
            var words = Words(example.Split("  #")[0]); // a comment starts after two spaces (keys hold '#' too)
            Assert.Equal("sysops-fast", words[0]);
            // Against a port nothing listens on: the command may fail to connect, never to parse.
            // (completion and acl reach no server and have no --server.)
            // (serve would serve until stopped: --max-queries 0 ends it once its command line is parsed.)
            string[] server = command is "completion" or "acl" ? [] : ["--server", "127.0.0.1:1", .. command == "serve" ? new[] { "--max-queries", "0" } : []];
            var (_, _, stderr) = await CliProcessTests.Run([.. words.Skip(1), .. server]);
            Assert.DoesNotContain("see sysops-fast --help", stderr, StringComparison.Ordinal);
        }
    }

    /// <summary>Shell words: spaces split, single quotes group.</summary>
    private static List<string> Words(string line)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in line.Trim())
        {
            if (c == '\'')
            {
                quoted = !quoted;
                any = true;
            }
            else if (c == ' ' && !quoted)
            {
                if (any)
                {
                    words.Add(current.ToString());
                }
                current.Clear();
                any = false;
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }
        if (any)
        {
            words.Add(current.ToString());
        }
        return words;
    }
}
