using SysopsFast.Config;
using SysopsFast.Push;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>The agent's configuration file and how a push's settings are resolved from it and the command line.</summary>
public sealed class PushSettingsTests : IDisposable
{
    /// <summary>The schema of the agent configuration file (issue 11), as the packaged example holds it.</summary>
    private const string Schema = """
        servers = ["redis://10.1.0.1:6379", "rediss://10.1.0.2:6380"]   # this host's core; omit to use the topology's local core
        topology = "/etc/sysops-fast/topology.toml"
        hostname = "web01.example.com"          # default: the machine's FQDN
        directory = "/var/lib/sysops-fast/outgoing"
        ttl = "6h"
        timeout = "10s"                          # per server
        max_object_size = "10MiB"                # accepts bytes or K/M/GiB suffixes
        jitter = "120s"
        ledger = "/var/lib/sysops-fast/pushed.json"
        dictionary_cache = "/var/cache/sysops-fast/dicts"
        hardware_identification = "/etc/hardware_identification.json"
        sensitive = ["/etc/shadow*", "/etc/gshadow*", "*id_rsa*", "*id_ecdsa*", "*id_ed25519*", "*ssh_host_*_key", "*.key", "*/private/*.pem", "/etc/ssl/private/*"]  # replaces the default deny-list
        tls_ca = "/etc/sysops-fast/ca.pem"       # as in the topology file
        [commands.sysctl-a]
        run = "sysctl -a"
        timeout = "30s"
        [commands.packages]
        run = "dpkg-query -W"
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("sysops-fast-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_schema_parses_to_its_values()
    {
        var config = AgentConfigFile.Parse(Schema, "agent.toml");
        Assert.Empty(config.Warnings);
        var v = config.Values;
        Assert.Equal(["redis://10.1.0.1:6379", "rediss://10.1.0.2:6380"], v.Servers);
        Assert.Equal(("/etc/sysops-fast/topology.toml", "web01.example.com", "/var/lib/sysops-fast/outgoing"), (v.TopologyFile, v.Hostname, v.Directory));
        Assert.Equal(("6h", "10s", "10MiB", "120s"), (v.Ttl, v.Timeout, v.MaxObjectSize, v.Jitter));
        Assert.Equal(("/var/lib/sysops-fast/pushed.json", "/var/cache/sysops-fast/dicts", "/etc/hardware_identification.json"), (v.Ledger, v.DictionaryCache, v.HardwareIdentification));
        Assert.Equal(SensitiveObjects.DefaultGlobs, v.Sensitive);
        Assert.Equal(new TlsFiles("/etc/sysops-fast/ca.pem"), v.Tls);
        Assert.Equal([new ConfiguredCommand("sysctl-a", "sysctl -a", "30s"), new ConfiguredCommand("packages", "dpkg-query -W", null)], v.ConfiguredCommands);
    }

    /// <summary>docs/AGENT.md's example (the configuration file) is the schema, with its comments.</summary>
    [Fact]
    public void The_agent_page_example_parses_without_warnings()
    {
        var page = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "AGENT.md"));
        var start = page.IndexOf("```toml\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/AGENT.md has no ```toml example");
        start += "```toml\n".Length;
        var example = page[start..page.IndexOf("```", start, StringComparison.Ordinal)];
        var config = AgentConfigFile.Parse(example, "AGENT.md");
        Assert.Empty(config.Warnings);
        Assert.Equal(Describe(AgentConfigFile.Parse(Schema, "AGENT.md").Values), Describe(config.Values));
    }

    /// <summary>Every value a file gives, lists included (a record compares lists by reference).</summary>
    private static string Describe(PushRequest v) => string.Join('\n', (string?[])
    [
        string.Join(',', v.Servers), v.TopologyFile, v.Hostname, v.Directory, v.Ttl, v.Timeout, v.MaxObjectSize, v.Jitter, v.Ledger, v.DictionaryCache,
        v.HardwareIdentification, string.Join(',', v.Sensitive ?? []), v.Tls?.ToString(), string.Join(',', v.ConfiguredCommands),
    ]);

    [Fact]
    public void Unknown_keys_and_tables_are_warnings_and_paths_are_relative_to_the_file()
    {
        var config = AgentConfigFile.Parse("colour = \"blue\"\nledger = \"state/pushed.json\"\nmax_object_size = 1048576\njitter = 30\n[commands.x]\nrun = \"true\"\nnice = 5\n[other]\n", "/etc/sf/agent.toml");
        Assert.Equal(["/etc/sf/agent.toml:1: unknown key 'colour' ignored", "/etc/sf/agent.toml:7: unknown key 'commands.x.nice' ignored", "/etc/sf/agent.toml:8: unknown table [other] ignored (commands are [commands.<name>])"], config.Warnings);
        Assert.Equal(("/etc/sf/state/pushed.json", "1048576", "30"), (config.Values.Ledger, config.Values.MaxObjectSize, config.Values.Jitter));
    }

    [Theory]
    [InlineData("servers = [\"http://x\"]\n", "a.toml:1: servers: 'http://x' is not a Redis address")]
    [InlineData("servers = []\n", "a.toml:1: servers: must be a non-empty list")]
    [InlineData("ttl = \"6y\"\n", "a.toml:1: ttl: '6y' has an unknown unit")]
    [InlineData("\n\ntimeout = \"0\"\n", "a.toml:3: timeout: '0' is no time to wait")]
    [InlineData("timeout = true\n", "a.toml:1: timeout: must be a duration")]
    [InlineData("max_object_size = \"10 parsecs\"\n", "a.toml:1: max_object_size: '10 parsecs' is not a size")]
    [InlineData("max_object_size = \"1GiB\"\n", "a.toml:1: max_object_size: '1GiB' is over 128 MiB")]
    [InlineData("hostname = \"evil#host\"\n", "a.toml:1: hostname: 'evil#host' cannot be a host name")]
    [InlineData("directory = \"\"\n", "a.toml:1: directory: must be a path")]
    [InlineData("sensitive = [\"/etc/shadow\", 3]\n", "a.toml:1: sensitive: every glob must be a string")]
    [InlineData("tls_ca = 1\n", "a.toml:1: tls_ca: must be the path of a PEM file")]
    [InlineData("[commands.x]\ntimeout = \"5s\"\n", "a.toml:1: commands.x: the command has no 'run'")]
    [InlineData("[commands.\"lshw -short\"]\nrun = \"lshw -short\"\n", "a.toml:1: commands.lshw -short: cannot name a command output: it holds '#', '=', a blank")]
    [InlineData("[commands.x]\nrun = \"a\"\n[commands.x]\nrun = \"b\"\n", "a.toml:3: commands.x: the command is defined twice")]
    [InlineData("[commands.x]\nrun = \"a\"\ntimeout = \"-1\"\n", "a.toml:3: commands.x.timeout: '-1' is not a duration")]
    [InlineData("ttl = \"6h\"\n[commands.x\n", "a.toml:2:")]
    [InlineData("servers = [[\"redis://10.1.0.1\"]]\n", "a.toml:1: servers: ")]
    [InlineData("sensitive = [[\"/etc/shadow\"], [\"/etc/gshadow\"]]\n", "a.toml:1: sensitive: ")]
    [InlineData("ttl = \"6h\"\n\nttl = \"1h\"\n", "a.toml:3: ttl: the key is given twice")]
    [InlineData("[commands.x]\nrun = \"a\"\nrun = \"b\"\n", "a.toml:3: commands.x.run: the key is given twice")]
    [InlineData("[commands.x]\nrun = \"a\"\ntimeout = \"5s\"\ntimeout = \"6s\"\n", "a.toml:4: commands.x.timeout: the key is given twice")]
    public void Bad_values_name_the_file_the_line_and_the_key(string text, string expected)
    {
        var e = Assert.Throws<SysopsFastException>(() => AgentConfigFile.Parse(text, "a.toml"));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void The_command_line_overrides_the_file_and_the_file_the_defaults()
    {
        var file = Write("agent.toml", """
            servers = ["redis://10.1.0.1:6379"]
            hostname = "from-file.example.com"
            ttl = 0
            timeout = "20s"
            max_object_size = "1MiB"
            ledger = "state/pushed.json"
            hardware_identification = ""
            sensitive = ["*.secret"]
            [commands.a]
            run = "echo a"
            [commands.b]
            run = "echo b"
            timeout = "5s"
            """);
        var fromFile = PushSettings.Resolve(new PushRequest { ConfigFile = file });
        Assert.Equal(("from-file.example.com", null, TimeSpan.FromSeconds(20), 1L << 20), (fromFile.Hostname, fromFile.Ttl, fromFile.Timeout, fromFile.SizeCap));
        Assert.Equal([ServerAddress.Parse("10.1.0.1:6379")], fromFile.Servers);
        Assert.Equal(Path.Combine(_dir, "state", "pushed.json"), fromFile.LedgerFile);
        Assert.Equal(Path.Combine(_dir, "state", PushSettings.LockFileName), fromFile.LockFile);
        Assert.Null(fromFile.HardwareIdentification);
        Assert.Equal(["*.secret"], fromFile.Sensitive.Globs);
        Assert.Equal([new CommandSpec("a", "echo a", CommandSpec.DefaultTimeout), new CommandSpec("b", "echo b", TimeSpan.FromSeconds(5))], fromFile.Commands);

        var overridden = PushSettings.Resolve(new PushRequest
        {
            ConfigFile = file,
            Servers = ["127.0.0.1:7000"],
            Hostname = "given.example.com",
            Ttl = "1h",
            Commands = ["b=echo B", "c=echo c"],
            CommandTimeout = "7s",
        });
        Assert.Equal(("given.example.com", TimeSpan.FromHours(1), TimeSpan.FromSeconds(20)), (overridden.Hostname, overridden.Ttl, overridden.Timeout));
        Assert.Equal([ServerAddress.Parse("127.0.0.1:7000")], overridden.Servers);
        Assert.Equal([new CommandSpec("a", "echo a", TimeSpan.FromSeconds(7)), new CommandSpec("b", "echo B", TimeSpan.FromSeconds(7)), new CommandSpec("c", "echo c", TimeSpan.FromSeconds(7))], overridden.Commands);
    }

    [Fact]
    public void A_topology_given_on_the_command_line_wins_over_the_files_servers()
    {
        var topology = Write("topology.toml", "local = \"s/c\"\n[sites.s.cores.c]\nservers = [\"127.0.0.1:7001\", \"127.0.0.1:7002\"]\n");
        var file = Write("agent.toml", "servers = [\"127.0.0.1:7000\"]\nhostname = \"h.example.com\"\n");
        Assert.Equal([ServerAddress.Parse("127.0.0.1:7000")], PushSettings.Resolve(new PushRequest { ConfigFile = file }).Servers);
        Assert.Equal(2, PushSettings.Resolve(new PushRequest { ConfigFile = file, TopologyFile = topology }).Servers.Count);
    }

    [Theory]
    [InlineData("--timeout", "100d", "is longer than a wait may be")]
    [InlineData("--command-timeout", "0", "is no time to wait")]
    [InlineData("--max-object-size", "1T", "is not a size")]
    [InlineData("--hardware-identification", "/nonexistent/hw.json", "cannot read command outputs from '/nonexistent/hw.json': there is no such file")]
    [InlineData("--dir", "/nonexistent/outgoing", "'/nonexistent/outgoing' is not a directory")]
    [InlineData("--hostname", "a/b", "'a/b' cannot be a host name (it contains '/'")]
    public void Bad_values_on_the_command_line_are_refused_before_anything_runs(string option, string value, string why)
    {
        var request = new PushRequest { Servers = ["127.0.0.1:7000"], Hostname = "h.example.org" };
        request = option switch
        {
            "--timeout" => request with { Timeout = value },
            "--command-timeout" => request with { CommandTimeout = value },
            "--max-object-size" => request with { MaxObjectSize = value },
            "--hardware-identification" => request with { HardwareIdentification = value },
            "--dir" => request with { Directory = value },
            _ => request with { Hostname = value },
        };
        var e = Assert.Throws<SysopsFastException>(() => PushSettings.Resolve(request));
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sysctl-a", "it is not name=command")]
    [InlineData("sysctl-a=", "it is not name=command")]
    [InlineData("a b=ls", "'a b' cannot name a command output")]
    [InlineData("../x=ls", "'../x' cannot name a command output")]
    public void Commands_given_as_text_are_checked(string text, string why)
    {
        var e = Assert.Throws<SysopsFastException>(() => PushSettings.ParseCommand(text, CommandSpec.DefaultTimeout));
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorRemedy.Command, e.Remedy);
        Assert.Equal(new CommandSpec("sysctl-a", "sysctl -a | grep =", CommandSpec.DefaultTimeout), PushSettings.ParseCommand("sysctl-a=sysctl -a | grep =", CommandSpec.DefaultTimeout));
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("4096", 4096L)]
    [InlineData("512K", 512L << 10)]
    [InlineData("10MiB", 10L << 20)]
    [InlineData("10 mb", 10L << 20)]
    [InlineData("1.5M", 3L << 19)]
    [InlineData("128MiB", 128L << 20)]
    public void Sizes_take_bytes_or_binary_suffixes(string text, long bytes) => Assert.Equal(bytes, ByteSizeParser.ParseSizeCap(text));

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("10 parsecs")]
    [InlineData("1e3")]
    [InlineData("129M")]
    [InlineData("99999999999999999999999G")]
    public void Bad_sizes_are_refused(string text) => Assert.Throws<SysopsFastException>(() => ByteSizeParser.ParseSizeCap(text));

    [Fact]
    public void Jitter_is_drawn_uniformly_below_its_bound()
    {
        var random = new Random(7);
        var draws = Enumerable.Range(0, 2000).Select(_ => PushJitter.Draw(TimeSpan.FromSeconds(120), random)).ToList();
        Assert.All(draws, d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromSeconds(120) - TimeSpan.FromTicks(1)));
        Assert.InRange(draws.Count(d => d < TimeSpan.FromSeconds(60)), 900, 1100);
        Assert.Equal(TimeSpan.Zero, PushJitter.Draw(TimeSpan.Zero, random));
    }

    [Fact]
    public void A_file_others_may_change_is_refused()
    {
        var file = Write("agent.toml", "[commands.x]\nrun = \"id\"\n");
        File.SetUnixFileMode(file, File.GetUnixFileMode(file) | UnixFileMode.GroupWrite);
        var e = Assert.Throws<SysopsFastException>(() => PushSettings.Resolve(new PushRequest { ConfigFile = file, Servers = ["127.0.0.1:7000"] }));
        Assert.Contains($"chmod go-w '{file}'", e.Message, StringComparison.Ordinal);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Assert.Single(PushSettings.Resolve(new PushRequest { ConfigFile = file, Servers = ["127.0.0.1:7000"] }).Commands);
    }

    /// <summary>Arrays nested past the parser's depth limit: a line naming the file, not the parser's exception.</summary>
    [Fact]
    public void Arrays_nested_too_deep_name_the_file_and_the_line()
    {
        var text = "ttl = \"6h\"\nx = " + new string('[', 100) + "1" + new string(']', 100) + "\n";
        var e = Assert.Throws<SysopsFastException>(() => AgentConfigFile.Parse(text, "a.toml"));
        Assert.StartsWith("a.toml:2: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("nested", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Toml", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>Run as root, a file another user owns names commands root would run: refused, as ssh refuses such an authorized_keys.</summary>
    [Fact]
    public void As_root_a_file_another_user_owns_is_refused()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return; // only root is told to refuse it; a user may keep their own file
        }
        var file = Write("agent.toml", "[commands.x]\nrun = \"id\"\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Chown("nobody", file);
        var e = Assert.Throws<SysopsFastException>(() => Resolve(file));
        Assert.Contains($"chown root '{file}'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Chown("root", file);
        Assert.Single(Resolve(file).Commands);
    }

    [Fact]
    public void As_root_a_file_in_a_directory_others_may_change_is_refused()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return;
        }
        var dir = Directory.CreateDirectory(Path.Combine(_dir, "open")).FullName;
        var file = Path.Combine(dir, "agent.toml");
        File.WriteAllText(file, "[commands.x]\nrun = \"id\"\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(dir, (UnixFileMode)0x1FF); // 0777: anyone may rename the file and put another in its place
        var e = Assert.Throws<SysopsFastException>(() => Resolve(file));
        Assert.Contains($"chmod go-w '{dir}'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{file}'", e.Message, StringComparison.Ordinal);

        Chown("nobody", dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0x1ED); // 0755 but another user's: they may still replace the file
        Assert.Contains($"chown root '{dir}'", Assert.Throws<SysopsFastException>(() => Resolve(file)).Message, StringComparison.Ordinal);

        Chown("root", dir);
        Assert.Single(Resolve(file).Commands);
        File.SetUnixFileMode(dir, (UnixFileMode)0x3FF); // 1777, as /tmp: sticky, so no one renames another's file
        Assert.Single(Resolve(file).Commands);
    }

    private static PushSettings Resolve(string file) => PushSettings.Resolve(new PushRequest { ConfigFile = file, Servers = ["127.0.0.1:7000"] });

    private static void Chown(string user, string path)
    {
        using var chown = System.Diagnostics.Process.Start("chown", [user, path])!;
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return path;
    }
}
