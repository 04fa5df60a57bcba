using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// docs/COOKBOOK.md, run: its demo fleet is built as its setup says (the same topology and
/// <c>fleet generate</c> commands, on redis-servers this fixture owns), every <c>$ sysops-fast …</c>
/// line of its ten questions is run with bash, and what it prints must be the output written under it.
/// </summary>
public sealed class CookbookTests(CookbookFleet fleet) : IClassFixture<CookbookFleet>
{
    public static TheoryData<int> Questions() => [.. Cookbook.Load().Questions.Select(q => q.Number)];

    [Fact]
    public void The_cookbook_asks_ten_questions_each_with_a_command()
    {
        var questions = Cookbook.Load().Questions;
        Assert.Equal(Enumerable.Range(1, 10), questions.Select(q => q.Number));
        Assert.All(questions, q =>
        {
            Assert.True(q.Title.EndsWith('?'), $"{Cookbook.Name}: the heading of question {q.Number} is not a question: {q.Title}");
            Assert.True(q.Examples.Count > 0, $"{Cookbook.Name}: question {q.Number} has no ```console block with a '$ sysops-fast …' line");
            Assert.All(q.Examples, e => Assert.True(e.Output.Length > 0, $"{Cookbook.Name}: question {q.Number} shows no output for: $ {e.Command}"));
        });
    }

    [Theory]
    [MemberData(nameof(Questions))]
    public async Task Every_command_prints_what_the_cookbook_shows(int number)
    {
        var question = fleet.Doc.Questions.Single(q => q.Number == number);
        foreach (var example in question.Examples)
        {
            var (exit, stdout, stderr) = await fleet.ShellAsync(example.Command);
            var actual = fleet.AsInTheCookbook(stdout);
            if (exit != 0 || Cookbook.Normalise(actual) != Cookbook.Normalise(example.Output))
            {
                Assert.Fail(Mismatch(question, example, exit, actual, stderr));
            }
        }
    }

    private static string Mismatch(CookbookQuestion question, CookbookExample example, int exit, string actual, string stderr)
    {
        var expectedLines = Cookbook.Normalise(example.Output).Split('\n');
        var actualLines = Cookbook.Normalise(actual).Split('\n');
        var first = Enumerable.Range(0, Math.Max(expectedLines.Length, actualLines.Length))
            .FirstOrDefault(i => i >= expectedLines.Length || i >= actualLines.Length || expectedLines[i] != actualLines[i]);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Cookbook.Name}, question {question.Number} ({question.Title}): ");
        text.Append(exit != 0 ? $"the command exited {exit}" : $"the output differs from the cookbook's from line {first + 1} on");
        text.Append(CultureInfo.InvariantCulture, $"\n$ {example.Command}\n");
        text.Append("--- expected (as written in the cookbook)\n").Append(example.Output);
        text.Append("--- actual (this run's ports and topology path written as the cookbook's; paste it into the cookbook if the change is intended)\n").Append(actual);
        text.Append("--- stderr\n").Append(stderr);
        return text.ToString();
    }
}

/// <summary>The cookbook's demo fleet: one redis-server per port of its topology, filled by its setup commands.</summary>
public sealed partial class CookbookFleet : IAsyncLifetime
{
    private readonly Dictionary<string, RedisProcess> _servers = new(StringComparer.Ordinal);

    public Cookbook Doc { get; } = Cookbook.Load();

    private string _topologyFile = "";

    public async Task InitializeAsync()
    {
        var ports = LoopbackAddress().Matches(Doc.Topology).Select(m => m.Groups[1].Value).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.True(ports.Count > 0, $"{Cookbook.Name}: the topology names no 127.0.0.1:PORT server");
        // Output that lists servers sorts them by address (--cost): free ports are handed to the
        // cookbook's in the same order, so such rows come in the cookbook's order.
        var free = new SortedSet<string>(StringComparer.Ordinal);
        while (free.Count < ports.Count)
        {
            free.Add(RedisServerFixture.FreePort().ToString(CultureInfo.InvariantCulture));
        }
        var started = await Task.WhenAll(free.Select(p => RedisProcess.StartOnPortAsync(int.Parse(p, CultureInfo.InvariantCulture))));
        for (var i = 0; i < ports.Count; i++)
        {
            _servers[ports[i]] = started[i];
        }
        _topologyFile = Path.Combine(Path.GetTempPath(), $"sysops-fast-cookbook-{Guid.NewGuid():N}.toml");
        await File.WriteAllTextAsync(_topologyFile, ToOurPorts(Doc.Topology));
        // In order: the cookbook's question about the oldest snapshots depends on it.
        foreach (var command in Doc.Setup)
        {
            var (exit, _, stderr) = await ShellAsync(command);
            if (exit != 0)
            {
                throw new InvalidOperationException($"{Cookbook.Name}: the setup command exited {exit}\n$ {command}\n{stderr}");
            }
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers.Values)
        {
            await server.DisposeAsync();
        }
        if (_topologyFile.Length > 0)
        {
            File.Delete(_topologyFile);
        }
    }

    /// <summary>
    /// Runs a command line of the cookbook with bash, <c>sysops-fast</c> being the CLI built beside the
    /// tests, the topology this fixture wrote as <c>SYSOPS_FAST_TOPOLOGY</c> (as the cookbook exports
    /// it) and <c>LC_ALL=C</c> (as the cookbook says, so that sort orders the same everywhere).
    /// </summary>
    public async Task<(int Exit, string Stdout, string Stderr)> ShellAsync(string command)
    {
        var start = new ProcessStartInfo("bash");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("sysops-fast() { dotnet \"$COOKBOOK_CLI\" \"$@\"; }\n" + ToOurPorts(command));
        start.Environment["COOKBOOK_CLI"] = Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll");
        start.Environment["SYSOPS_FAST_TOPOLOGY"] = _topologyFile;
        start.Environment["LC_ALL"] = "C";
        var (exit, stdout, stderr) = await ChildProcess.RunAsync(start, $"{Cookbook.Name}: {command}");
        return (exit, System.Text.Encoding.UTF8.GetString(stdout), stderr);
    }

    /// <summary>
    /// This run's output as the cookbook would print it: the servers' ports are this fixture's, not
    /// the cookbook's (each test owns free ports), and the topology file has a path of its own. Both
    /// are written back as the cookbook's; a port of another length keeps the columns after it.
    /// </summary>
    public string AsInTheCookbook(string output)
    {
        var docPort = _servers.ToDictionary(s => s.Value.Port.ToString(CultureInfo.InvariantCulture), s => s.Key, StringComparer.Ordinal);
        output = LoopbackAddressAndPadding().Replace(output, m =>
        {
            if (!docPort.TryGetValue(m.Groups[1].Value, out var port))
            {
                return m.Value;
            }
            var padding = m.Groups[2].Length;
            if (padding > 0)
            {
                padding = Math.Max(1, padding + m.Groups[1].Length - port.Length);
            }
            return "127.0.0.1:" + port + new string(' ', padding);
        });
        return output.Replace(_topologyFile, Doc.TopologyPath, StringComparison.Ordinal);
    }

    private string ToOurPorts(string text) =>
        LoopbackAddress().Replace(text, m => _servers.TryGetValue(m.Groups[1].Value, out var s) ? s.Address : m.Value);

    [GeneratedRegex(@"127\.0\.0\.1:([0-9]+)")]
    private static partial Regex LoopbackAddress();

    [GeneratedRegex(@"127\.0\.0\.1:([0-9]+)( *)")]
    private static partial Regex LoopbackAddressAndPadding();
}

public sealed record CookbookExample(string Command, string Output);

public sealed record CookbookQuestion(int Number, string Title, IReadOnlyList<CookbookExample> Examples);

/// <summary>
/// docs/COOKBOOK.md read as data. Its sections are the setup ("## The demo fleet": a ```toml
/// topology, and a ```console block of an <c>export SYSOPS_FAST_TOPOLOGY=…</c> line and
/// <c>sysops-fast</c> commands) and the questions ("## N. …?"), whose ```console blocks hold
/// <c>$ sysops-fast …</c> lines, each followed by its output.
/// </summary>
public sealed partial class Cookbook
{
    public const string Name = "docs/COOKBOOK.md";

    private const string SetupHeading = "The demo fleet";

    private Cookbook(string topology, string topologyPath, IReadOnlyList<string> setup, IReadOnlyList<CookbookQuestion> questions)
    {
        Topology = topology;
        TopologyPath = topologyPath;
        Setup = setup;
        Questions = questions;
    }

    /// <summary>The topology file's text, with the cookbook's ports.</summary>
    public string Topology { get; }

    /// <summary>Where the cookbook says the topology file is (exported as SYSOPS_FAST_TOPOLOGY).</summary>
    public string TopologyPath { get; }

    /// <summary>The setup's sysops-fast commands, in order.</summary>
    public IReadOnlyList<string> Setup { get; }

    public IReadOnlyList<CookbookQuestion> Questions { get; }

    /// <summary>The copy of docs/COOKBOOK.md beside the tests (the project links it).</summary>
    public static Cookbook Load() => Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "COOKBOOK.md")));

    public static Cookbook Parse(string markdown)
    {
        string? topology = null, topologyPath = null;
        List<string>? setup = null;
        var questions = new List<CookbookQuestion>();
        foreach (var (heading, body) in Sections(markdown.Replace("\r\n", "\n", StringComparison.Ordinal)))
        {
            var blocks = Blocks(body).ToList();
            if (heading == SetupHeading)
            {
                topology = blocks.Where(b => b.Language == "toml").Select(b => b.Text).SingleOrDefault()
                    ?? throw Bad($"'## {SetupHeading}' needs exactly one ```toml block (the topology file)");
                setup = [];
                foreach (var example in blocks.Where(b => b.Language == "console").SelectMany(b => Examples(b.Text)))
                {
                    var export = ExportTopology().Match(example.Command);
                    if (export.Success)
                    {
                        topologyPath = export.Groups[1].Value;
                    }
                    else
                    {
                        setup.Add(SysopsFastCommand(example.Command, SetupHeading));
                    }
                }
            }
            else if (QuestionHeading().Match(heading) is { Success: true } q)
            {
                var number = int.Parse(q.Groups[1].Value, CultureInfo.InvariantCulture);
                var examples = blocks.Where(b => b.Language == "console").SelectMany(b => Examples(b.Text)).ToList();
                foreach (var e in examples)
                {
                    SysopsFastCommand(e.Command, heading);
                }
                questions.Add(new CookbookQuestion(number, q.Groups[2].Value, examples));
            }
        }
        return new Cookbook(
            topology ?? throw Bad($"no '## {SetupHeading}' section"),
            topologyPath ?? throw Bad($"'## {SetupHeading}' has no '$ export SYSOPS_FAST_TOPOLOGY=PATH' line"),
            setup!,
            questions);
    }

    /// <summary>
    /// What legitimately differs from run to run, replaced on both sides by a placeholder; each
    /// pattern is anchored to the one shape of line it concerns, so nothing else is hidden.
    /// </summary>
    public static string Normalise(string output)
    {
        // --cost: seconds to the last reply and MB/s depend on the machine and its load; keys and
        // bytes do not (the fleet and its compression are deterministic), and stay compared.
        output = CostTimes().Replace(output, "$1 <seconds> <MB/s>");
        // topology: the PING round trip of each server.
        output = PingLatency().Replace(output, "PING <latency> ms");
        // search --time -H: when the setup stored each record (the clock of the run); the order of
        // the keys, which the cookbook's question is about, stays compared.
        output = InsertionTime().Replace(output, "$1<time>");
        return output;
    }

    private static IEnumerable<(string Heading, string Body)> Sections(string markdown)
    {
        var parts = SectionHeading().Split(markdown);
        // Split with one capture: [text before the first heading, heading, body, heading, body, …]
        for (var i = 1; i + 1 < parts.Length; i += 2)
        {
            yield return (parts[i].Trim(), parts[i + 1]);
        }
    }

    private static IEnumerable<(string Language, string Text)> Blocks(string body) =>
        FencedBlock().Matches(body).Select(m => (m.Groups[1].Value, m.Groups[2].Value));

    /// <summary>A console block: each '$ ' line is a command, the lines up to the next one its output.</summary>
    private static IEnumerable<CookbookExample> Examples(string block)
    {
        string? command = null;
        var output = new StringBuilder();
        foreach (var line in block.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("$ ", StringComparison.Ordinal))
            {
                if (command is not null)
                {
                    yield return new CookbookExample(command, output.ToString());
                }
                command = line[2..];
                output.Clear();
            }
            else if (command is null)
            {
                throw Bad($"a ```console block starts with output, not with a '$ ' command line: {line}");
            }
            else
            {
                output.Append(line).Append('\n');
            }
        }
        if (command is not null)
        {
            yield return new CookbookExample(command, output.ToString());
        }
    }

    private static string SysopsFastCommand(string command, string section) =>
        command.StartsWith("sysops-fast ", StringComparison.Ordinal)
            ? command
            : throw Bad($"in '## {section}', '$ {command}' is not a sysops-fast command (only those are run)");

    private static InvalidOperationException Bad(string what) => new($"{Name}: {what}");

    [GeneratedRegex(@"^## (.+)$", RegexOptions.Multiline)]
    private static partial Regex SectionHeading();

    [GeneratedRegex(@"^([0-9]+)\. (.+)$")]
    private static partial Regex QuestionHeading();

    [GeneratedRegex(@"^```([a-z]+)\n(.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"^export SYSOPS_FAST_TOPOLOGY=(\S+)$")]
    private static partial Regex ExportTopology();

    [GeneratedRegex(@"^(cost: (?!server ).*?) +[0-9]+\.[0-9]+ +[0-9]+\.[0-9]+$", RegexOptions.Multiline)]
    private static partial Regex CostTimes();

    [GeneratedRegex(@"PING [0-9]+(\.[0-9]+)? ms")]
    private static partial Regex PingLatency();

    [GeneratedRegex(@"^(\S+#\S+ +)[0-9]{10}(\.[0-9]+)?$", RegexOptions.Multiline)]
    private static partial Regex InsertionTime();
}
