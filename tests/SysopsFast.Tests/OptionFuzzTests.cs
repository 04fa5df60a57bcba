using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text;
using SysopsFast.Cli;
using SysopsFast.Cli.Commands;
using SysopsFast.Fleet;
using SysopsFast.Query;
using SysopsFast.Redis;
using SysopsFast.Topology;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>
/// Every option's value, however odd, is either taken or refused as a usage error (a parse error,
/// or a <see cref="SysopsFastException"/>, which the CLI prints as one line with exit 2); any other
/// exception would reach the user as "internal error". Seeded random strings, a few thousand per parser.
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
        { "kv o", "--show-hosts" }, { "push", "--ttl" }, { "push", "--timeout" }, { "push", "--hostname" },
        { "import d", "--ttl" }, { "import d", "--codec" }, { "fleet generate", "--hosts" }, { "fleet generate", "--seed" },
        { "fleet generate", "--ttl" }, { "fleet generate", "--shard" }, { "server", "--port" }, { "demo", "--hosts" }, { "demo", "--port" },
    };

    [Theory]
    [MemberData(nameof(ValueOptions))]
    public void Option_values_parse_or_are_usage_errors(string command, string option)
    {
        var root = CommandTree.Build();
        Fuzz(option.Length * 31 + command.Length, text =>
        {
            var parse = CommandTree.Parse(root, [.. command.Split(' '), option, text]);
            if (parse.Errors.Count > 0)
            {
                return; // a usage error, printed on one line
            }
            var target = parse.CommandResult.Command.Options.Single(o => o.Name == option || o.Aliases.Contains(option));
            _ = (parse.GetResult(target) as OptionResult)?.GetValueOrDefault<object?>();
        });
    }
}
