using System.Text.RegularExpressions;
using SysopsFast.Cli;
using SysopsFast.Push;
using Tomlyn;
using Tomlyn.Model;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>
/// The files the .deb installs (packaging/deb/): the example agent.toml is TOML with the agreed key
/// names, its defaults are the ones push and the service use, and the systemd units keep their
/// schedule and hardening. packaging/test-deb.sh checks the built package itself.
/// </summary>
public sealed partial class PackagingTests
{
    /// <summary>The agent.toml schema, shared with the parser of <c>push --config</c>.</summary>
    private static readonly string[] AgentKeys =
    [
        "servers", "topology", "hostname", "directory", "ttl", "timeout", "max_object_size", "jitter", "ledger",
        "hardware_identification", "sensitive", "tls_ca", "commands",
    ];

    private static string Shipped(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "packaging", name));

    private static TomlTable ParseToml(string text)
    {
        var doc = Tomlyn.Parsing.SyntaxParser.Parse(text, "agent.toml", false);
        Assert.False(doc.HasErrors, string.Join("; ", doc.Diagnostics.Select(d => d.ToString())));
        return TomlSerializer.Deserialize<TomlTable>(text)!;
    }

    /// <summary>The example with its commented-out settings put back: they must be valid TOML too.</summary>
    private static string Uncommented(string text) => CommentedSetting().Replace(text, "$1");

    [GeneratedRegex(@"^# ?((?:\w+ = |\[commands\.).*)$", RegexOptions.Multiline)]
    private static partial Regex CommentedSetting();

    [Fact]
    public void The_agent_example_is_toml_with_the_schemas_names_and_documents_every_key()
    {
        var text = Shipped("agent.toml");
        var active = ParseToml(text);
        Assert.All(active.Keys, k => Assert.Contains(k, AgentKeys));

        var all = ParseToml(Uncommented(text));
        Assert.Equal(AgentKeys.Order(StringComparer.Ordinal), all.Keys.Order(StringComparer.Ordinal));
        // What must be edited per site is commented out; the shipped defaults stay active.
        foreach (var siteSpecific in new[] { "servers", "hostname", "tls_ca" })
        {
            Assert.False(active.ContainsKey(siteSpecific), $"'{siteSpecific}' must be commented out in the example");
        }
        var commands = Assert.IsType<TomlTable>(all["commands"]);
        Assert.NotEmpty(commands);
        foreach (var (name, value) in commands)
        {
            var command = Assert.IsType<TomlTable>(value);
            Assert.IsType<string>(command["run"]);
            CommonOptions.ParseTimeout(Assert.IsType<string>(command["timeout"]));
            Assert.Matches("^[A-Za-z0-9._-]+$", name); // pushed as the object cmd/<name>
        }
    }

    /// <summary>push --config reads the example, and the example with its settings uncommented, without a warning.</summary>
    [Fact]
    public void Push_reads_the_example_as_shipped_and_uncommented()
    {
        var text = Shipped("agent.toml");
        foreach (var variant in new[] { text, Uncommented(text) })
        {
            var config = AgentConfigFile.Parse(variant, "/etc/sysops-fast/agent.toml");
            Assert.Empty(config.Warnings);
            Assert.Equal("/var/lib/sysops-fast/pushed.json", config.Values.Ledger);
            Assert.Contains(config.Values.ConfiguredCommands, c => c.Name == "sysctl-a" && c.Run == "sysctl -a");
        }
        Assert.Equal(["redis://10.1.0.1:6379", "redis://10.1.0.2:6379"], AgentConfigFile.Parse(Uncommented(text), "agent.toml").Values.Servers);
    }

    [Fact]
    public void The_agent_examples_defaults_are_pushs_own_and_the_services_directories()
    {
        var agent = ParseToml(Uncommented(Shipped("agent.toml")));
        var stateDirectories = UnitSettings(Shipped("sysops-fast-push.service"))["Service"]["StateDirectory"].Single().Split(' ');

        Assert.Equal(SensitiveObjects.DefaultGlobs, Assert.IsType<TomlArray>(agent["sensitive"]).Cast<string>());
        Assert.Equal(PushSettings.DefaultDirectory, agent["directory"]);
        Assert.Equal("/var/lib/" + stateDirectories[1], agent["directory"]);
        Assert.Equal("/var/lib/" + stateDirectories[0] + "/pushed.json", agent["ledger"]);
        Assert.Equal(TimeSpan.FromHours(6), CommonOptions.ParseTtl((string)agent["ttl"]));
        CommonOptions.ParseTimeout((string)agent["timeout"]);
        CommonOptions.ParseTimeout((string)agent["jitter"]);
    }

    [Fact]
    public void The_service_is_a_hardened_oneshot_run_as_its_own_user_every_ten_minutes()
    {
        var service = UnitSettings(Shipped("sysops-fast-push.service"))["Service"];
        string One(string key) => Assert.Single(service[key]);

        Assert.Equal("oneshot", One("Type"));
        Assert.Equal("/usr/bin/sysops-fast push --config /etc/sysops-fast/agent.toml", One("ExecStart"));
        Assert.Equal("strict", One("ProtectSystem"));
        Assert.Equal("read-only", One("ProtectHome"));
        Assert.Equal("yes", One("PrivateTmp"));
        Assert.Equal("yes", One("NoNewPrivileges"));
        Assert.Equal("sysops-fast", One("CacheDirectory"));
        Assert.Equal("sysops-fast", One("RuntimeDirectory"));
        Assert.StartsWith("sysops-fast ", One("StateDirectory"), StringComparison.Ordinal);
        Assert.False(service.ContainsKey("DynamicUser"));
        // The user the service runs as is the one sysusers.d creates.
        var sysusers = Shipped("sysusers.conf").Split('\n').Single(l => l.StartsWith("u ", StringComparison.Ordinal));
        Assert.Equal(One("User"), sysusers.Split(' ')[1]);

        var timer = UnitSettings(Shipped("sysops-fast-push.timer"));
        Assert.Equal("10min", Assert.Single(timer["Timer"]["OnUnitActiveSec"]));
        Assert.Single(timer["Timer"]["OnBootSec"]);
        Assert.Single(timer["Timer"]["RandomizedDelaySec"]);
        Assert.Equal("true", Assert.Single(timer["Timer"]["Persistent"]));
        Assert.Equal("timers.target", Assert.Single(timer["Install"]["WantedBy"]));
    }

    /// <summary>A unit file's settings: section → key → values in order (comments and blank lines skipped).</summary>
    private static Dictionary<string, Dictionary<string, List<string>>> UnitSettings(string text)
    {
        var sections = new Dictionary<string, Dictionary<string, List<string>>>(StringComparer.Ordinal);
        Dictionary<string, List<string>>? current = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }
            if (line[0] == '[')
            {
                current = sections[line.Trim('[', ']')] = new(StringComparer.Ordinal);
                continue;
            }
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(current is not null && eq > 0, $"not a setting in a section: {line}");
            var key = line[..eq];
            if (!current.TryGetValue(key, out var values))
            {
                current[key] = values = [];
            }
            values.Add(line[(eq + 1)..]);
        }
        return sections;
    }
}
