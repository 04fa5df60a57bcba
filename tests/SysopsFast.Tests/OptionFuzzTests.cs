using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text;
using SysopsFast.Cli;
using SysopsFast.Cli.Commands;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Query;
using SysopsFast.Redis;
using SysopsFast.Topology;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>
/// Every option's value, however odd, is either taken or refused as a usage error (a parse error,
/// or a <see cref="SysopsFastException"/>, which the CLI prints as one line with exit 2); any other
/// exception would reach the user as "internal error". A refusal is printed as the CLI prints it
/// (<see cref="UsageError"/>, <see cref="CliRunner"/>) and its shape is checked: exit 2, exactly one
/// line on stderr, no "internal error", no .NET type name. Seeded random strings, a few thousand per parser.
/// </summary>
public class OptionFuzzTests
{
    private const int Tries = 3000;

    private static readonly string[] Pieces =
    [
        "", " ", "\t", "\n", "0", "1", "7", "42", "-", "+", ".", ",", "e", "E", "e308", "e-9", "999999999999999999999",
        "s", "m", "h", "d", "S", "H", "x", "ms", "µ", "NaN", "Infinity", "-Infinity", "∞", "0x1F", "1_000", "١٢",
        "all", "ALL", "never", "always", "auto", "#", "*", "?", "[", "]", "[^", "\\", "-", "a-z", "redis://", "rediss://",
        "http://", "@", ":", "/", "[::1]", "127.0.0.1", "localhost", "6379", "65536", "/99999", "é", "\0", "\u001b[31m",
    ];

    /// <summary>A few pieces run together: empty strings, signs, units, huge and odd numbers, glob and URL punctuation.</summary>
    private static string RandomText(Random random) =>
        string.Concat(Enumerable.Range(0, random.Next(0, 5)).Select(_ => Pieces[random.Next(Pieces.Length)]));

    /// <summary>Runs <paramref name="parse"/> on <see cref="Tries"/> random strings; a usage error is fine, any other exception is not.</summary>
    private static void Fuzz(int seed, Action<string> parse)
    {
        var random = new Random(seed);
        for (var i = 0; i < Tries; i++)
        {
            var text = RandomText(random);
            try
            {
                parse(text);
            }
            catch (SysopsFastException)
            {
                // A usage error: one line, exit 2.
            }
            catch (Exception e)
            {
                Assert.Fail($"'{Escape(text)}': {e.GetType().Name}: {e.Message}");
            }
        }
    }

    /// <summary>What the user sees of a refusal: exit 2 and one line naming no .NET type.</summary>
    internal static void AssertOneLineUsageError(int exit, string stderr, string given)
    {
        var lines = stderr.Split('\n');
        var oneLine = lines.Length == 2 && lines[1].Length == 0 && !lines[0].Contains('\r', StringComparison.Ordinal);
        var plain = stderr.StartsWith("sysops-fast", StringComparison.Ordinal) && !stderr.Contains("internal error", StringComparison.Ordinal) && !stderr.Contains("System.", StringComparison.Ordinal);
        Assert.True(exit == CliRunner.Error && oneLine && plain, $"'{Escape(given)}': exit {exit}, stderr '{Escape(stderr)}'");
    }

    /// <summary>A command line as Program takes it: refused by the parser (one line), or run by <paramref name="run"/> through <see cref="CliRunner"/>.</summary>
    private static async Task AssertRunsOrIsOneLineAsync(Command root, string[] args, Action<ParseResult> run)
    {
        var parse = CommandTree.Parse(root, args);
        var given = string.Join(' ', args);
        if (UsageError.Find(parse) is { } message)
        {
            AssertOneLineUsageError(CliRunner.Error, message + "\n", given);
            return;
        }
        if (parse.Action is { ClearsParseErrors: true })
        {
            return; // -h or --version among the words: help or the version is printed, nothing runs
        }
        await using var stderr = new StringWriter { NewLine = "\n" };
        var exit = await CliRunner.RunAsync(() =>
        {
            run(parse);
            return Task.FromResult(CliRunner.Matched);
        }, stderr, verbose: false);
        if (exit != CliRunner.Matched)
        {
            AssertOneLineUsageError(exit, stderr.ToString(), given);
        }
    }

    private static string Escape(string text) => string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));

    [Fact]
    public void Durations_are_taken_or_refused() => Fuzz(1, text =>
    {
        var ttl = CommonOptions.ParseTtl(text);
        Assert.True(ttl is null || (ttl >= TimeSpan.FromMilliseconds(1) && DateTimeOffset.UtcNow + ttl.Value > DateTimeOffset.UtcNow));
    });

    [Fact]
    public void Timeouts_are_taken_or_refused() => Fuzz(5, text => Assert.InRange(CommonOptions.ParseTimeout(text), TimeSpan.FromTicks(1), TimeSpan.FromDays(30)));

    [Fact]
    public void Size_caps_are_taken_or_refused() => Fuzz(6, text => Assert.InRange(Config.ByteSizeParser.ParseSizeCap(text), 0, Format.RecordDecoder.MaxRawLength));

    [Fact]
    public void Server_addresses_are_taken_or_refused() => Fuzz(2, text =>
    {
        var address = ServerAddress.Parse(text);
        Assert.InRange(address.Port, 1, 65535);
        Assert.NotEmpty(address.Host);
        _ = ServerAddress.Parse(address.ToString());
    });

    [Fact]
    public void Globs_are_taken_or_refused() => Fuzz(3, text =>
    {
        var key = Encoding.UTF8.GetBytes("web1.example.org#/etc/hosts");
        var keyGlob = ObjectKey.ToKeyGlob(text);
        _ = RedisGlob.IsMatch(Encoding.UTF8.GetBytes(keyGlob), key);
        _ = new KeyCatalogProducer(null!, keyGlob, 100).CanServe;
        _ = KeyGlob.Parse(text)?.IsMatch(key);
        _ = new HostFilter().RequireGlob(text).Allows(key);
    });

    private static readonly string[] RegexPieces =
    [
        "a", "b", ".", "*", "+", "?", "|", "^", "$", "(", ")", "[", "]", "{", "}", "\\", "\\w", "\\<", "\\>", "\\b", "\\1",
        "[:alpha:]", "[[:digit:]]", "[^", "-", "{1,2}", "{,3}", "{2,}", "{99999}", "{3,1}", "(?", "ſ", "é", "\n", "",
    ];

    /// <summary>The text pattern of grep (and of --having/--lacking): a regular expression, or literal text with -F.</summary>
    [Fact]
    public void Text_patterns_are_taken_or_refused()
    {
        var random = new Random(6);
        for (var i = 0; i < Tries / 5; i++)
        {
            var pattern = string.Concat(Enumerable.Range(0, random.Next(0, 7)).Select(_ => RegexPieces[random.Next(RegexPieces.Length)]));
            foreach (var (regex, ignoreCase) in new[] { (true, false), (true, true), (false, false), (false, true) })
            {
                try
                {
                    var matcher = Grep.MatcherFactory.Create(pattern, regex, ignoreCase);
                    _ = matcher.FindInLine("abc ſé 123 (x)"u8, 0, out _, out _);
                }
                catch (SysopsFastException)
                {
                }
                catch (Exception e)
                {
                    Assert.Fail($"'{Escape(pattern)}' (regex {regex}, -i {ignoreCase}): {e.GetType().Name}: {e.Message}");
                }
            }
        }
    }

    [Fact]
    public void Other_converted_values_are_taken_or_refused() => Fuzz(4, text =>
    {
        _ = GrepCommand.ParseShowHosts(text);
        _ = FleetShard.Parse(text);
        _ = ColorOption.Style(text, terminal: true);
    });

    /// <summary>Each value option of each command, through the real command tree: parsed and read as the command reads it.</summary>
    public static TheoryData<string, string> ValueOptions => new()
    {
        { "grep o p", "--max-age" }, { "grep o p", "-m" }, { "grep o p", "-A" }, { "grep o p", "-B" }, { "grep o p", "-C" },
        { "grep o p", "--show-hosts" }, { "grep o p", "--scope" }, { "grep o p", "--server" }, { "grep o p", "--host" },
        { "grep o p", "--tls-ca" }, { "grep o p", "--hosts" }, { "grep o p", "--topology" }, { "grep o", "-e" }, { "grep o p", "--color" },
        { "kv o", "--show-hosts" }, { "push", "--ttl" }, { "push", "--timeout" }, { "push", "--hostname" }, { "push", "--config" },
        { "import d", "--ttl" }, { "import d", "--codec" }, { "fleet generate", "--hosts" }, { "fleet generate", "--seed" },
        { "fleet generate", "--ttl" }, { "fleet generate", "--shard" }, { "fleet generate", "--codec" }, { "server", "--port" }, { "demo", "--hosts" }, { "demo", "--port" },
        { "migrate --from 127.0.0.1", "--codec" }, { "dump", "" },
    };

    /// <summary>
    /// An option's value (or, with no option, the command's argument): refused on one line with
    /// exit 2 (a parse error, or a <see cref="SysopsFastException"/> when the command reads it), or taken.
    /// </summary>
    [Theory]
    [MemberData(nameof(ValueOptions))]
    public async Task Option_values_parse_or_are_usage_errors(string command, string option)
    {
        var root = CommandTree.Build();
        var random = new Random(option.Length * 31 + command.Length);
        for (var i = 0; i < Tries; i++)
        {
            string[] args = [.. command.Split(' '), .. option.Length > 0 ? new[] { option } : [], RandomText(random)];
            await AssertRunsOrIsOneLineAsync(root, args, parse => Read(parse, option));
        }
    }

    /// <summary>The option's value (or the command's first argument) read as the command reads it.</summary>
    private static void Read(ParseResult parse, string option)
    {
        var command = parse.CommandResult.Command;
        var value = command.Options.SingleOrDefault(o => o.Name == option || o.Aliases.Contains(option)) is { } target
            ? parse.GetResult(target)?.GetValueOrDefault<object?>()
            : parse.GetValue((Argument<string>)command.Arguments[0]);
        ReadAsTheCommandDoes(option, value as string);
    }

    /// <summary>Values the command converts itself, after parsing, converted as it does.</summary>
    private static void ReadAsTheCommandDoes(string option, string? text)
    {
        switch (option)
        {
            case "--max-age" or "--ttl" when text is not null:
                _ = CommonOptions.ParseTtl(text);
                break;
            case "--timeout" when text is not null:
                _ = CommonOptions.ParseTimeout(text);
                break;
            case "--show-hosts":
                _ = GrepCommand.ParseShowHosts(text);
                break;
            case "--color":
                _ = ColorOption.Style(text, terminal: true);
                break;
        }
    }

    private static readonly string[] Words =
    [
        "grep", "gerp", "kv", "dict", "trian", "train", "fleet", "generate", "server", "-", "--", "-e", "-m", "--uniq", "--uniqq", "--only-drift",
        "--only-drfit", "--scope", "mars", "site", "--codec", "zstd-dictionary", "ZstdDictionary", "--help", "-h", "--version", "--verbose", "-x",
        "-Q", "--tls-ca", "", "o", "p", "--x=1", "-mx", "99999999999999999999", "-1", "--hosts", "@file", "\n", "é",
    ];

    /// <summary>Whole command lines of commands, options and values in any order: each is taken, or refused on one line with exit 2.</summary>
    [Fact]
    public void Command_lines_are_taken_or_refused_on_one_line()
    {
        var root = CommandTree.Build();
        var random = new Random(7);
        for (var i = 0; i < Tries; i++)
        {
            string[] args = [.. Enumerable.Range(0, random.Next(1, 6)).Select(_ => Words[random.Next(Words.Length)])];
            var parse = CommandTree.Parse(root, args);
            if (UsageError.Find(parse) is { } message)
            {
                AssertOneLineUsageError(CliRunner.Error, message + "\n", string.Join(' ', args));
            }
        }
    }

    /// <summary>A mistyped command or option is named with the closest real one; an option-like word is never a pattern.</summary>
    [Theory]
    [InlineData("gerp x y", "sysops-fast: unknown command 'gerp'; did you mean 'grep'? (see sysops-fast --help)")]
    [InlineData("dict trian", "sysops-fast dict: unknown command 'trian'; did you mean 'train'? (see sysops-fast dict --help)")]
    [InlineData("grep sysctl-a --uniqq", "sysops-fast grep: unrecognized option '--uniqq'; did you mean '--uniq'? (see sysops-fast grep --help)")]
    [InlineData("grep sysctl-a x --uniqq", "sysops-fast grep: unrecognized option '--uniqq'; did you mean '--uniq'? (see sysops-fast grep --help)")]
    [InlineData("kv sysctl-a --only-drfit", "sysops-fast kv: unrecognized option '--only-drfit'; did you mean '--only-drift'? (see sysops-fast kv --help)")]
    [InlineData("kv sysctl-a --zzzzzz", "sysops-fast kv: unrecognized option '--zzzzzz' (see sysops-fast kv --help)")]
    [InlineData("grep o", "sysops-fast: grep needs a text pattern (or -e PATTERN) (see sysops-fast grep --help)")]
    [InlineData("grep o p -e q", "sysops-fast: grep takes one text pattern: as an argument or with -e, not both (see sysops-fast grep --help)")]
    [InlineData("grep o p -m 99999999999999999999", "sysops-fast: -m takes a whole number up to 9223372036854775807, not '99999999999999999999' (see sysops-fast grep --help)")]
    [InlineData("grep o p --scope mars", "sysops-fast: --scope takes global, local or site, not 'mars' (see sysops-fast grep --help)")]
    [InlineData("import d --codec x", "sysops-fast: --codec takes line-delta, lz4, none, zstd or zstd-dictionary, not 'x' (see sysops-fast import --help)")]
    [InlineData("dict", "sysops-fast dict: which command? one of train, list (see sysops-fast dict --help)")]
    public void Usage_errors_name_the_word_and_the_closest_real_one(string line, string expected) =>
        Assert.Equal(expected, UsageError.Find(CommandTree.Parse(CommandTree.Build(), line.Split(' '))));

    /// <summary>A pattern that starts with '-' is given after "--" or with -e, and is then the pattern.</summary>
    [Theory]
    [InlineData("grep o -- -x", "-x")]
    [InlineData("grep o -e -x", "-x")]
    [InlineData("grep o --regexp=--uniqq", "--uniqq")]
    [InlineData("kv o -- -k", null)]
    public void A_pattern_starting_with_a_dash_comes_after_double_dash_or_e(string line, string? pattern)
    {
        var parse = CommandTree.Parse(CommandTree.Build(), line.Split(' '));
        Assert.Null(UsageError.Find(parse));
        if (pattern is not null)
        {
            var grep = parse.CommandResult.Command;
            Assert.Equal(pattern, parse.GetValue(grep.Options.OfType<Option<string?>>().Single(o => o.Name == "--regexp")) ?? parse.GetValue(grep.Arguments.OfType<Argument<string?>>().Single(a => a.Name == "text-pattern")));
        }
    }

    /// <summary>Choices are spelt in lower case in help, as they are typed; the .NET spelling is still taken.</summary>
    [Fact]
    public void Choices_are_spelt_in_lower_case()
    {
        var root = CommandTree.Build();
        var scope = root.Subcommands.Single(c => c.Name == "grep").Options.Single(o => o.Name == "--scope");
        var codec = root.Subcommands.Single(c => c.Name == "import").Options.Single(o => o.Name == "--codec");
        Assert.Equal("global|local|site", scope.HelpName);
        Assert.Equal("line-delta|lz4|none|zstd|zstd-dictionary", codec.HelpName);
        Assert.Contains("(default: zstd-dictionary)", codec.Description, StringComparison.Ordinal);
        var parse = CommandTree.Parse(root, ["import", "d", "--codec", "ZstdDictionary"]);
        Assert.Empty(parse.Errors);
        Assert.Equal(PayloadCodec.ZstdDictionary, parse.GetValue((Option<PayloadCodec>)codec));
    }
}
