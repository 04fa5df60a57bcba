using System.Diagnostics;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// Our grep against GNU grep on the same files: a fleet written to disk (one file per host, named
/// by the host) and imported into a real redis-server; each pattern × option set runs through both
/// (GNU: <c>grep -H -F OPTIONS -e PATTERN host…</c>; ours: the CLI process with -H) and the outputs
/// must be identical once grouped by host (hosts come in another order), exit codes included.
/// </summary>
public sealed partial class GrepDifferentialTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-gnu-").FullName;
    private string[] _hosts = [];
    private string Url => $"redis://{redis.Address}/4";

    public async Task InitializeAsync()
    {
        var random = new Random(17);
        _hosts = Enumerable.Range(0, 12).Select(i => $"web{i:D2}.example.org").ToArray();
        var flat = Directory.CreateDirectory(Path.Combine(_work, "flat")).FullName;
        foreach (var host in _hosts)
        {
            var lines = Enumerable.Range(0, random.Next(0, 40)).Select(_ => random.Next(11) switch
            {
                0 => "",
                1 => "net.core.somaxconn = " + random.Next(3),
                2 => "vm.swappiness = " + random.Next(3),
                3 => "# comment " + random.Next(100),
                4 => "kernel.panic = 1",
                5 => "Kernel.Printk = 4 4 1 7",
                6 => "x",
                // Letters whose case counterparts under GNU -i are not ASCII (long s, dotless i).
                7 => random.Next(2) == 0 ? "ſysctl.ſwap = 1" : "kernel.ıp_forward = 0",
                8 => "Straße = École",
                // Where POSIX's longest match differs from the first alternative's, -w's shorter retries, multi-byte neighbours.
                9 => Pick(random, ["abbabab", "ababcd", "añÿb", "a_b_b", "a  \tb", "abcd abc", "foobar foo", "xéa éaé", "abbABab"]),
                _ => "fs.file-max = 65536",
            });
            var text = string.Join('\n', lines) + (random.Next(4) == 0 ? "" : "\n");
            await File.WriteAllTextAsync(Path.Combine(flat, host), text);
            Directory.CreateDirectory(Path.Combine(_work, "tree", host));
            await File.WriteAllTextAsync(Path.Combine(_work, "tree", host, "sysctl.conf"), text);
        }
        await FleetImporter.ImportAsync(Path.Combine(_work, "tree"), ServerAddress.Parse(Url), PayloadCodec.Lz4, TimeSpan.FromHours(1), CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    public static TheoryData<string> Options() =>
    [
        "", "-v", "-c", "-l", "-L", "-n", "-m 2", "-A 1", "-B 2", "-C 1", "-n -C 2", "-v -n -A 1", "-m 1 -A 2", "-c -v", "-c -m 1", "-i", "-i -n -B 1", "-m 0", "-c -m 0", "-L -m 0", "-l -v", "-L -v", "-v -C 1", "-m 3 -B 1 -A 1",
        "-w", "-x", "-o", "-o -n", "-o -A 1", "-w -c", "-x -v", "-i -w", "-o -v", "-w -o", "-i -o",
    ];

    [Theory]
    [MemberData(nameof(Options))]
    public async Task Output_and_exit_code_equal_gnu_grep(string options)
    {
        var flags = options.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var pattern in new[] { "= 1", "swappiness", "kernel", "x", "zzz", "", "Sys" })
        {
            var gnu = Gnu(flags, pattern);
            var ours = await CliProcessTests.Run(["grep", "sysctl.conf", pattern, "-H", "-F", .. flags, "--server", Url]);
            var what = $"grep {options} '{pattern}'";
            Assert.True(gnu.Exit == ours.Exit, $"{what}: exit {ours.Exit}, GNU {gnu.Exit}; {ours.Stderr}");
            Assert.Equal(ByHost(gnu.Stdout), ByHost(ours.Stdout));
        }
    }

    public static TheoryData<string> RegexOptions() => ["", "-o", "-w", "-x", "-c", "-i -n", "-v -c", "-o -i"];

    /// <summary>-E patterns (GNU ERE, translated): the same comparison.</summary>
    [Theory]
    [MemberData(nameof(RegexOptions))]
    public async Task Regex_output_and_exit_code_equal_gnu_grep_E(string options)
    {
        var flags = options.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var pattern in new[] { "[[:digit:]]{2}$", "^kernel\\.", "swap|panic", "= [0-9]+$", "(x|#)+", "^[[:alpha:].-]+ = 1$", "[[:upper:]]", "^$" })
        {
            var gnu = Gnu(["-E", .. flags], pattern, fixedStrings: false);
            var ours = await CliProcessTests.Run(["grep", "sysctl.conf", pattern, "-H", "-E", .. flags, "--server", Url]);
            var what = $"grep -E {options} '{pattern}'";
            Assert.True(gnu.Exit == ours.Exit, $"{what}: exit {ours.Exit}, GNU {gnu.Exit}; {ours.Stderr}");
            Assert.Equal(ByHost(gnu.Stdout), ByHost(ours.Stdout));
        }
    }

    public static TheoryData<string> DefaultDialectOptions() => ["", "-i", "-c -i", "-o -i", "-w -i", "-x", "-n -v"];

    /// <summary>
    /// No -E or -F: the pattern is an extended regular expression, as GNU -E reads it; patterns
    /// without metacharacters take the literal fast path, whose -i must fold as GNU folds.
    /// </summary>
    [Theory]
    [MemberData(nameof(DefaultDialectOptions))]
    public async Task Default_dialect_equals_gnu_grep_E(string options)
    {
        var flags = options.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var pattern in new[] { "net.core", "swappiness", "sys", "ſwap", "IP_", "KERNEL", "straße", "école", "kernel\\.(panic|ıp)", "[[:digit:]] = ", "^x$" })
        {
            var gnu = Gnu(["-E", .. flags], pattern, fixedStrings: false);
            var ours = await CliProcessTests.Run(["grep", "sysctl.conf", pattern, "-H", .. flags, "--server", Url]);
            var what = $"grep {options} '{pattern}'";
            Assert.True(gnu.Exit == ours.Exit, $"{what}: exit {ours.Exit}, GNU {gnu.Exit}; {ours.Stderr}");
            Assert.Equal(ByHost(gnu.Stdout), ByHost(ours.Stdout));
        }
    }

    public static TheoryData<string> ColourOptions() => ["", "-n", "-C 1", "-c", "-l", "-L", "-o", "-v -C 1", "-i -w", "-x", "-n -v -A 1"];

    /// <summary>--color=always: the same bytes as GNU grep's, SGR sequences included (empty matches and -v context too).</summary>
    [Theory]
    [MemberData(nameof(ColourOptions))]
    public async Task Colours_equal_gnu_grep_color_always(string options)
    {
        var flags = options.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var pattern in new[] { "kernel", "[[:digit:]]+", "x*", "= 1", "ſ", "^", "swap|panic", "S" })
        {
            var gnu = Gnu(["-E", "--color=always", .. flags], pattern, fixedStrings: false);
            var ours = await CliProcessTests.Run(["grep", "sysctl.conf", pattern, "-H", "--color=always", .. flags, "--server", Url]);
            var what = $"grep --color=always {options} '{pattern}'";
            Assert.True(gnu.Exit == ours.Exit, $"{what}: exit {ours.Exit}, GNU {gnu.Exit}; {ours.Stderr}");
            Assert.Equal(ByHost(gnu.Stdout), ByHost(ours.Stdout));
        }
    }

    public static TheoryData<string> ExtentOptions() => ["-o", "-w", "-w -o", "-i -o", "-x", "--color=always -w", "--color=always"];

    /// <summary>Where matches are (leftmost, then longest; -w's retries; empty matches next to multi-byte characters): GNU's.</summary>
    [Theory]
    [MemberData(nameof(ExtentOptions))]
    public async Task Match_extents_equal_gnu_grep(string options)
    {
        var flags = options.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var pattern in new[] { "ab|abab", "(a|ab|c|bcd)*(d*)", "[[:blank:]]+", "(a+|b)*", "a?b", "é|éa", "foo|foobar", "x*|kernel" })
        {
            var gnu = Gnu(["-E", .. flags], pattern, fixedStrings: false);
            var ours = await CliProcessTests.Run(["grep", "sysctl.conf", pattern, "-H", .. flags, "--server", Url]);
            var what = $"grep {options} '{pattern}'";
            Assert.True(gnu.Exit == ours.Exit, $"{what}: exit {ours.Exit}, GNU {gnu.Exit}; {ours.Stderr}");
            Assert.Equal(ByHost(gnu.Stdout), ByHost(ours.Stdout));
        }
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private (int Exit, string Stdout) Gnu(string[] flags, string pattern, bool fixedStrings = true)
    {
        var start = new ProcessStartInfo("grep") { RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = Path.Combine(_work, "flat") };
        start.Environment["LC_ALL"] = "C.UTF-8";
        foreach (var a in new[] { "-H", fixedStrings ? "-F" : "-E" }.Concat(flags).Concat(["-e", pattern]).Concat(_hosts))
        {
            start.ArgumentList.Add(a);
        }
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout);
    }

    /// <summary>
    /// Each host's lines in order, with the "--" separators between its own groups; a "--" between
    /// two hosts' output is dropped (hosts come in another order here). Hosts sorted.
    /// </summary>
    private static string ByHost(string output)
    {
        var blocks = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        string? previous = null;
        var pendingSeparator = false;
        var separator = "--";
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // Colours (--color=always) are compared as they are, but hosts and separators are found without them.
            var plain = Sgr().Replace(line, "");
            if (plain == "--")
            {
                pendingSeparator = true;
                separator = line;
                continue;
            }
            var cut = plain.IndexOfAny([':', '-']);
            var host = cut < 0 ? plain : plain[..cut];
            if (!blocks.TryGetValue(host, out var block))
            {
                blocks[host] = block = [];
            }
            if (pendingSeparator && host == previous)
            {
                block.Add(separator);
            }
            block.Add(line);
            previous = host;
            pendingSeparator = false;
        }
        return string.Join("\n", blocks.Select(b => string.Join("\n", b.Value)));
    }

    [System.Text.RegularExpressions.GeneratedRegex("\u001b\\[[0-9;]*[mK]")]
    private static partial System.Text.RegularExpressions.Regex Sgr();
}
