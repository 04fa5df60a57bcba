using SysopsFast.Redis;
using SysopsFast.Topology;
using Xunit;

namespace SysopsFast.Tests;

public class TopologyFileTests
{
    private const string Good = """
        local = "eat1/core1"          # <site>/<core> of this machine

        [sites.eat1.cores.core1]      # replicas
        servers = ["redis://eat1-mps01:6379", "redis://eat1-mps02:6379"]

        [sites.eat1.cores.core2]
        servers = ["redis://eat1-mps03:6379"]

        [sites.lva1.cores.main]       # one Redis Cluster
        cluster = ["redis://lva1-rc01:7000", "redis://lva1-rc02:7000"]
        """;

    [Fact]
    public void The_spec_example_parses()
    {
        var t = TopologyFile.Parse(Good, "topology.toml");
        Assert.Equal(["eat1/core1", "eat1/core2", "lva1/main"], t.Cores.Select(c => c.Id));
        Assert.Equal("eat1/core1", t.LocalCore);
        Assert.Equal([ServerAddress.Parse("eat1-mps01:6379"), ServerAddress.Parse("eat1-mps02:6379")], t.Cores[0].Servers);
        Assert.True(t.Cores[2].IsCluster);
        Assert.False(t.Cores[0].IsCluster);
        Assert.Empty(t.Warnings);
    }

    [Fact]
    public void Scopes_select_my_core_my_site_or_everything()
    {
        var t = TopologyFile.Parse(Good, "topology.toml");
        Assert.Equal(["eat1/core1"], t.Select(QueryScope.Local, null).Select(c => c.Id));
        Assert.Equal(["eat1/core1", "eat1/core2"], t.Select(QueryScope.Site, null).Select(c => c.Id));
        Assert.Equal(["lva1/main"], t.Select(QueryScope.Site, "lva1").Select(c => c.Id));
        Assert.Equal(3, t.Select(QueryScope.Global, null).Count);
        Assert.Contains("sites: eat1, lva1", Assert.Throws<SysopsFastException>(() => t.Select(QueryScope.Site, "nope")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[sites.a.cores.b]\nservers = [\"redis://h:1\"]\n\n[sites.a.cores.c]\nservers = [\"http://h:2\"]\n", "t.toml:5: sites.a.cores.c.servers:")]
    [InlineData("[sites.a.cores.b]\nfoo = 1\n", "t.toml:1: sites.a.cores.b: the core has neither 'servers' nor 'cluster'")]
    [InlineData("[sites.a.cores.b]\nservers = [\"h:1\"]\ncluster = [\"h:2\"]\n", "t.toml:3: sites.a.cores.b.cluster: a core has either")]
    [InlineData("local = \"a/x\"\n[sites.a.cores.b]\nservers = [\"h:1\"]\n", "t.toml:1: local: 'a/x' names no core")]
    [InlineData("[sites.a.cores.b]\nservers = []\n", "t.toml:2: sites.a.cores.b.servers: must be a non-empty list")]
    [InlineData("[sites.a.cores.b]\nservers = [6379]\n", "t.toml:2: sites.a.cores.b.servers: every server must be a string")]
    [InlineData("[sites.a.cores.b\nservers = [\"h:1\"]\n", "t.toml:1:")]
    [InlineData("local = 3\n[sites.a.cores.b]\nservers = [\"h:1\"]\n", "t.toml:1: local: must be a string")]
    [InlineData("# nothing\n", "no core defined")]
    public void Malformed_files_name_file_line_and_key(string text, string expected)
    {
        var e = Assert.Throws<SysopsFastException>(() => TopologyFile.Parse(text, "t.toml"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Unknown_keys_are_warnings()
    {
        var t = TopologyFile.Parse("colour = \"blue\"\n[sites.a.cores.b]\nservers = [\"h:1\"]\nweight = 2\n[other]\nx = 1\n", "t.toml");
        Assert.Equal(3, t.Warnings.Count);
        Assert.Contains("t.toml:1: unknown key 'colour'", t.Warnings[0], StringComparison.Ordinal);
        Assert.Contains("t.toml:4: unknown key 'sites.a.cores.b.weight'", t.Warnings[1], StringComparison.Ordinal);
        Assert.Contains("t.toml:5: unknown table [other]", t.Warnings[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_topology_each_server_is_its_own_core()
    {
        var t = FleetTopology.FromServers([ServerAddress.Parse("a:1"), ServerAddress.Parse("b:2"), ServerAddress.Parse("a:1")]);
        Assert.Equal(2, t.Cores.Count);
        Assert.All(t.Cores, c => Assert.Single(c.Servers));
    }

    [Fact]
    public void Load_balancing_shuffles_candidates_and_no_load_balance_asks_all()
    {
        var t = TopologyFile.Parse(Good, "topology.toml");
        var firsts = Enumerable.Range(0, 50).Select(i => CoreTarget.Plan(t.Cores, false, new Random(i))[0].Candidates[0].Host).Distinct().Count();
        Assert.Equal(2, firsts);
        var all = CoreTarget.Plan(t.Cores, true, new Random(1));
        Assert.True(all[0].AskAll);
        Assert.False(all[1].AskAll); // a single-server core has nobody else to ask
    }

    [Fact]
    public void Tls_files_apply_to_every_rediss_server_relative_to_the_file_and_the_command_line_replaces_each()
    {
        var t = TopologyFile.Parse("""
            tls_ca = "certs/ca.crt"
            tls_cert = "/etc/ssl/client.crt"
            tls_key = "/etc/ssl/client.key"

            [sites.eat1.cores.core1]
            servers = ["rediss://eat1-mps01:6380", "redis://eat1-mps02:6379"]

            [sites.lva1.cores.main]
            cluster = ["rediss://lva1-rc01:7000"]
            """, "/etc/sysops-fast/topology.toml");
        Assert.Empty(t.Warnings);
        var fromFile = new TlsFiles("/etc/sysops-fast/certs/ca.crt", "/etc/ssl/client.crt", "/etc/ssl/client.key");
        Assert.Equal(fromFile, t.Cores[0].Servers[0].TlsFiles);
        Assert.Null(t.Cores[0].Servers[1].TlsFiles);
        Assert.Equal(fromFile, t.Cores[1].Servers[0].TlsFiles);

        var overridden = t.WithTls(new TlsFiles(CaFile: "/tmp/other-ca.crt"));
        Assert.Equal(fromFile with { CaFile = "/tmp/other-ca.crt" }, overridden.Cores[0].Servers[0].TlsFiles);
    }

    [Fact]
    public void A_tls_key_that_is_not_a_path_is_an_error_naming_file_line_and_key()
    {
        var e = Assert.Throws<SysopsFastException>(() => TopologyFile.Parse("tls_ca = 3\n[sites.a.cores.b]\nservers = [\"rediss://h:1\"]\n", "t.toml"));
        Assert.Equal("t.toml:1: tls_ca: must be the path of a PEM file, as a string", e.Message);
    }
}
