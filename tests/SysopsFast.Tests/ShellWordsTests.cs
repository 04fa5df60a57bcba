using SysopsFast.Cli.Serve;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>serve's query line (/api/v1/query?q=) split as sh splits words.</summary>
public sealed class ShellWordsTests
{
    [Theory]
    [InlineData("grep sysctl-a net.core.netdev_budget --uniq", new[] { "grep", "sysctl-a", "net.core.netdev_budget", "--uniq" })]
    [InlineData("  grep\tmotd   'a b'  ", new[] { "grep", "motd", "a b" })]
    [InlineData("grep motd \"say \\\"hi\\\" \\$HOME \\n\"", new[] { "grep", "motd", "say \"hi\" $HOME \\n" })]
    [InlineData("grep motd 'it'\\''s'", new[] { "grep", "motd", "it's" })]
    [InlineData("grep motd a\\ b \\-x", new[] { "grep", "motd", "a b", "-x" })]
    [InlineData("grep motd ''", new[] { "grep", "motd", "" })]
    [InlineData("", new string[0])]
    public void Splits_as_a_posix_shell_does(string line, string[] expected)
    {
        Assert.Equal(expected, ShellWords.Split(line, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("grep 'motd", "single")]
    [InlineData("grep \"motd", "double")]
    public void An_unclosed_quote_is_an_error(string line, string which)
    {
        Assert.Null(ShellWords.Split(line, out var error));
        Assert.Contains($"unclosed {which} quote", error, StringComparison.Ordinal);
    }
}
