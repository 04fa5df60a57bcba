using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// Usage errors of the real `sysops-fast` and `sysops-fast-server` processes: one line on stderr,
/// exit 2, no "internal error" and no .NET type name; mistyped words named with the closest real
/// one; a pattern that starts with '-' given after "--" or with -e.
/// </summary>
public sealed class UsageMessageTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    /// <summary>127.0.0.1 with nothing listening: a command that got past its usage checks fails to connect, with another message.</summary>
    private const string Nowhere = "127.0.0.1:1";

    private static void AssertOneLine((int Exit, string Stdout, string Stderr) run, string expected)
    {
        Assert.True(run.Exit == 2, $"exit {run.Exit}: {run.Stderr}");
        Assert.Equal("", run.Stdout);
        Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("internal error", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", run.Stderr, StringComparison.Ordinal);
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dump|", "DIR is empty; give a directory")]
    [InlineData("grep|o|p|--tls-ca||-s|" + Nowhere, "--tls-ca is empty; give a file")]
    [InlineData("grep|o|p|-m|99999999999999999999", "-m takes a whole number up to 9223372036854775807, not '99999999999999999999'")]
    [InlineData("grep|o|p|--scope|mars", "--scope takes global, local or site, not 'mars'")]
    [InlineData("gerp|x|y", "sysops-fast: unknown command 'gerp'; did you mean 'grep'? (see sysops-fast --help)")]
    [InlineData("grep|sysctl-a|--uniqq|-s|" + Nowhere, "sysops-fast grep: unrecognized option '--uniqq'; did you mean '--uniq'? (see sysops-fast grep --help)")]
    [InlineData("kv|sysctl-a|--only-drfit|-s|" + Nowhere, "sysops-fast kv: unrecognized option '--only-drfit'; did you mean '--only-drift'? (see sysops-fast kv --help)")]
    public async Task A_bad_word_gets_one_line_and_exit_2(string arguments, string expected) =>
        AssertOneLine(await CliProcessTests.Run(arguments.Split('|')), expected);

    [Fact]
    public async Task A_directory_where_a_file_is_read_is_named_as_one()
    {
        var directory = Directory.CreateTempSubdirectory("sysops-fast-notafile-").FullName;
        try
        {
            AssertOneLine(await CliProcessTests.Run("grep", "o", "p", "--hosts", directory, "-s", Nowhere), $"the host list '{directory}' is a directory, not a file");
            AssertOneLine(await CliProcessTests.Run("grep", "o", "p", "--topology", directory), $"the topology file '{directory}' is a directory, not a file");
            AssertOneLine(
                await CliProcessTests.RunWithEnvironment(new Dictionary<string, string?> { ["SYSOPS_FAST_REDIS_PASSWORD_FILE"] = directory, ["SYSOPS_FAST_REDIS_PASSWORD"] = null }, "grep", "o", "p", "-s", Nowhere),
                $"SYSOPS_FAST_REDIS_PASSWORD_FILE '{directory}' is a directory, not a file");
        }
        finally
        {
            Directory.Delete(directory);
        }
    }

    /// <summary>No command: the list of commands on stderr and exit 2, as GNU tools print their usage.</summary>
    [Fact]
    public async Task No_command_prints_the_command_list()
    {
        var (exit, stdout, stderr) = await CliProcessTests.Run();
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains("Commands:", stderr, StringComparison.Ordinal);
        Assert.Contains("  grep ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_spells_choices_in_lower_case()
    {
        var import = (await CliProcessTests.Run("import", "--help")).Stdout;
        Assert.Contains("--codec <line-delta|lz4|none|zstd|zstd-dictionary>", import, StringComparison.Ordinal);
        Assert.Contains("(default: zstd-dictionary)", import, StringComparison.Ordinal);
        Assert.DoesNotContain("ZstdDictionary", import, StringComparison.Ordinal);
        var grep = (await CliProcessTests.Run("grep", "--help")).Stdout;
        Assert.Contains("--scope <global|local|site>", grep, StringComparison.Ordinal);
        Assert.DoesNotContain("Global", grep, StringComparison.Ordinal);
    }

    /// <summary>A pattern that starts with '-' is found when given after "--" or with -e, as GNU grep takes it.</summary>
    [Fact]
    public async Task A_pattern_starting_with_a_dash_comes_after_double_dash_or_with_e()
    {
        var tree = Directory.CreateTempSubdirectory("sysops-fast-dash-").FullName;
        Directory.CreateDirectory(Path.Combine(tree, "d1.example.org"));
        await File.WriteAllTextAsync(Path.Combine(tree, "d1.example.org", "opts"), "--uniqq flag\nplain\n");
        var url = $"redis://{redis.Address}/3";
        await FleetImporter.ImportAsync(tree, ServerAddress.Parse(url), PayloadCodec.Lz4, TimeSpan.FromHours(1), CancellationToken.None);
        Directory.Delete(tree, recursive: true);
        foreach (var arguments in new[] { new[] { "grep", "opts", "-s", url, "--", "--uniqq" }, ["grep", "opts", "-e", "--uniqq", "-s", url], ["grep", "opts", "--regexp=--uniqq", "-s", url] })
        {
            var (exit, stdout, stderr) = await CliProcessTests.Run(arguments);
            Assert.True(exit == 0, $"{string.Join(' ', arguments)}: exit {exit}: {stderr}");
            Assert.Equal("--uniqq flag\n", stdout);
        }
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task The_server_prints_help_instead_of_listening(string help)
    {
        var (exit, stdout, stderr) = await CliProcessTests.RunProgram("dotnet", null, Path.Combine(AppContext.BaseDirectory, "sysops-fast-server.dll"), help);
        Assert.True(exit == 0, stderr);
        Assert.Contains("usage: sysops-fast-server [--port P] [--memory SIZE]", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("listening", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--port")]
    [InlineData("--port|99999")]
    public async Task The_server_refuses_words_it_does_not_know(string arguments)
    {
        var run = await CliProcessTests.RunProgram("dotnet", null, [Path.Combine(AppContext.BaseDirectory, "sysops-fast-server.dll"), .. arguments.Split('|')]);
        Assert.Equal(2, run.Exit);
        Assert.StartsWith("sysops-fast-server: unknown option or bad value", run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// A program that never reads the keyboard leaves the terminal's keypad mode alone: .NET's
    /// console switches it (terminfo smkx, ESC[?1h ESC=) when it initialises, which writing through
    /// its streams or asking its window width does. Under a pseudo-terminal (util-linux's script).
    /// </summary>
    [Theory]
    [InlineData("--version")]
    [InlineData("--help")]
    [InlineData("gerp")]
    [InlineData("grep o p -s " + Nowhere)]
    [InlineData("topology -s " + Nowhere)]
    public async Task Nothing_switches_the_terminal_keypad_mode(string arguments)
    {
        var terminal = await TerminalOutputTests.OnTerminal(arguments + " 2>&1");
        Assert.DoesNotContain("\u001b[?1h", terminal, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b=", terminal, StringComparison.Ordinal);
        Assert.NotEqual("", terminal);
    }
}
