using System.Text;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// Real redis-servers speaking only TLS on loopback, with throwaway certificates: one that any
/// client with the CA may use, one that requires a client certificate, one whose certificate names
/// another host, one whose certificate has expired; and a plain one, for ports of the other kind.
/// The first two hold the same three hosts' files, written over TLS by the import code.
/// </summary>
public sealed class TlsServersFixture : IAsyncLifetime
{
    public TestCertificates Certificates { get; } = TestCertificates.Create();

    public RedisProcess Open { get; private set; } = null!;

    public RedisProcess ClientAuth { get; private set; } = null!;

    public RedisProcess WrongName { get; private set; } = null!;

    public RedisProcess Expired { get; private set; } = null!;

    public RedisProcess Plain { get; private set; } = null!;

    public static readonly string[] Hosts = ["web1.example.org", "web2.example.org", "db1.example.org"];

    public static byte[] SysctlOf(int host) => Encoding.UTF8.GetBytes($"net.core.somaxconn = {(host < 2 ? 4096 : 128)}\nvm.swappiness = 10\n");

    public async Task InitializeAsync()
    {
        var c = Certificates;
        Open = await StartTlsAsync(c.Server, "no");
        ClientAuth = await StartTlsAsync(c.Server, "yes");
        WrongName = await StartTlsAsync(c.WrongNameServer, "no");
        Expired = await StartTlsAsync(c.ExpiredServer, "no");
        Plain = await RedisProcess.StartAsync();
        var tree = Path.Combine(c.Directory, "tree");
        QueryFleet.WriteTree(tree, Hosts.Select((h, i) => (h, "/etc/sysctl.conf", SysctlOf(i))));
        await FleetImporter.ImportAsync(tree, Url(Open), PayloadCodec.Lz4, TimeSpan.FromHours(1), CancellationToken.None);
        await FleetImporter.ImportAsync(tree, Url(ClientAuth, withClient: true), PayloadCodec.Lz4, TimeSpan.FromHours(1), CancellationToken.None);
    }

    /// <summary>The server's rediss:// address with this fixture's CA (and client certificate).</summary>
    public ServerAddress Url(RedisProcess server, bool withClient = false) =>
        ServerAddress.Parse($"rediss://{server.Address}").WithTls(new TlsFiles(Certificates.CaFile, withClient ? Certificates.Client.Cert : null, withClient ? Certificates.Client.Key : null));

    private Task<RedisProcess> StartTlsAsync((string Cert, string Key) certificate, string authClients) => RedisProcess.StartAsync(port =>
    [
        "--port", "0", "--tls-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--tls-cert-file", certificate.Cert, "--tls-key-file", certificate.Key,
        "--tls-ca-cert-file", Certificates.CaFile, "--tls-auth-clients", authClients,
    ]);

    public async Task DisposeAsync()
    {
        foreach (var server in new[] { Open, ClientAuth, WrongName, Expired, Plain })
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
        Certificates.Dispose();
    }
}

public sealed class TlsTests(TlsServersFixture tls) : IClassFixture<TlsServersFixture>
{
    private TestCertificates Certs => tls.Certificates;

    private static string Rediss(RedisProcess server) => $"rediss://{server.Address}";

    private const string ExpectedUniq = "      2 net.core.somaxconn = 4096\n      1 net.core.somaxconn = 128\n";

    private static void AssertOneLineError(int exit, string stderr, params string[] expected)
    {
        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        foreach (var e in expected)
        {
            Assert.Contains(e, stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Grep_uniq_search_and_info_work_over_rediss_with_the_ca_file()
    {
        var grep = await CliProcessTests.Run("grep", "sysctl.conf", "somaxconn", "--uniq", "--server", Rediss(tls.Open), "--tls-ca", Certs.CaFile);
        Assert.True(grep.Exit == 0, grep.Stderr);
        Assert.Equal(ExpectedUniq, grep.Stdout);

        var search = await CliProcessTests.Run("search", "sysctl.conf", "--server", Rediss(tls.Open), "--tls-ca", Certs.CaFile);
        Assert.True(search.Exit == 0, search.Stderr);
        Assert.Equal(TlsServersFixture.Hosts.Select(h => h + "#/etc/sysctl.conf").Order(StringComparer.Ordinal), search.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var info = await CliProcessTests.Run("info", "--server", Rediss(tls.Open), "--tls-ca", Certs.CaFile);
        Assert.True(info.Exit == 0, info.Stderr);
        Assert.Contains("redis_version=", info.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_standalone_tls_server_is_read_through_our_own_connection_not_the_multiplexer()
    {
        await using var query = new FleetQuery([tls.Url(tls.Open)]);
        var server = await query.Connections.QueryServerAsync(tls.Url(tls.Open));
        Assert.IsType<RespQueryServer>(server);
        var (counts, _) = await query.GrepUniqAsync(new Grep.GrepRequest("sysctl.conf", "somaxconn"));
        Assert.Equal([(2L, "net.core.somaxconn = 4096"), (1L, "net.core.somaxconn = 128")], counts.Select(r => ((long)r.Count, r.Line)));
    }

    [Fact]
    public async Task Push_and_import_work_over_rediss()
    {
        var outgoing = Path.Combine(Certs.Directory, "outgoing-push");
        Directory.CreateDirectory(outgoing);
        await File.WriteAllTextAsync(Path.Combine(outgoing, "uname-a"), "Linux pushed 6.1.0\n");
        var push = await CliProcessTests.Run("push", "--dir", outgoing, "--hostname", "pushed.example.org", "--ledger", Path.Combine(Certs.Directory, "pushed.ledger"), "--server", Rediss(tls.ClientAuth),
            "--tls-ca", Certs.CaFile, "--tls-cert", Certs.Client.Cert, "--tls-key", Certs.Client.Key, "--hardware-identification", "",
            "--command", "tls-env=echo \"file=${SSL_CERT_FILE-unset} dir=${SSL_CERT_DIR-unset}\"");
        Assert.True(push.Exit == 0, push.Stdout + push.Stderr);
        Assert.Contains(": ok, 3 written", push.Stdout, StringComparison.Ordinal);
        // The commands push runs see the environment as it was: the narrowed CA store is for queries.
        var environment = await CliProcessTests.Run("grep", "tls-env", "file=", "--server", Rediss(tls.ClientAuth),
            "--tls-ca", Certs.CaFile, "--tls-cert", Certs.Client.Cert, "--tls-key", Certs.Client.Key);
        Assert.Equal($"file={Environment.GetEnvironmentVariable("SSL_CERT_FILE") ?? "unset"} dir={Environment.GetEnvironmentVariable("SSL_CERT_DIR") ?? "unset"}\n", environment.Stdout);
        Assert.DoesNotContain(Certs.CaFile, environment.Stdout, StringComparison.Ordinal);

        var tree = Path.Combine(Certs.Directory, "tree-import");
        QueryFleet.WriteTree(tree, [("imported.example.org", "/etc/motd", "imported over TLS\n"u8.ToArray())]);
        var import = await CliProcessTests.Run("import", tree, "--server", Rediss(tls.ClientAuth),
            "--tls-ca", Certs.CaFile, "--tls-cert", Certs.Client.Cert, "--tls-key", Certs.Client.Key);
        Assert.True(import.Exit == 0, import.Stderr);

        var grep = await CliProcessTests.Run("grep", "*", "over TLS|pushed", "-H", "--server", Rediss(tls.ClientAuth),
            "--tls-ca", Certs.CaFile, "--tls-cert", Certs.Client.Cert, "--tls-key", Certs.Client.Key);
        Assert.True(grep.Exit == 0, grep.Stderr);
        Assert.Contains("imported.example.org", grep.Stdout, StringComparison.Ordinal);
        Assert.Contains("pushed.example.org", grep.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_ca_may_come_from_SYSOPS_FAST_TLS_CA_or_the_topology_file()
    {
        var fromEnvironment = await CliProcessTests.RunWithEnvironment(
            new Dictionary<string, string?> { [TlsFiles.CaEnvironmentVariable] = Certs.CaFile },
            "grep", "sysctl.conf", "somaxconn", "--uniq", "--server", Rediss(tls.Open));
        Assert.True(fromEnvironment.Exit == 0, fromEnvironment.Stderr);
        Assert.Equal(ExpectedUniq, fromEnvironment.Stdout);

        // Paths in the topology file are relative to the file.
        var topology = Path.Combine(Certs.Directory, "topology.toml");
        await File.WriteAllTextAsync(topology, $"tls_ca = \"ca.crt\"\n\n[sites.lab.cores.one]\nservers = [\"{Rediss(tls.Open)}\"]\n");
        var fromTopology = await CliProcessTests.Run("grep", "sysctl.conf", "somaxconn", "--uniq", "--topology", topology);
        Assert.True(fromTopology.Exit == 0, fromTopology.Stderr);
        Assert.Equal(ExpectedUniq, fromTopology.Stdout);

        // --tls-ca replaces the file's.
        var overridden = await CliProcessTests.Run("grep", "sysctl.conf", "somaxconn", "--topology", topology, "--tls-ca", Certs.OtherCaFile);
        AssertOneLineError(overridden.Exit, overridden.Stderr, "is not signed by the CA in '" + Certs.OtherCaFile + "'");
    }

    [Fact]
    public async Task A_certificate_from_another_ca_is_refused_in_one_line_naming_subject_issuer_and_ca_file()
    {
        string[] expected = [$"TLS to the Redis server {tls.Open.Address} failed", $"subject '{TestCertificates.ServerSubject}'", "issued by 'CN=sysops-fast test CA'", $"not signed by the CA in '{Certs.OtherCaFile}'", "--tls-ca"];
        var grep = await CliProcessTests.Run("grep", "sysctl.conf", "somaxconn", "--server", Rediss(tls.Open), "--tls-ca", Certs.OtherCaFile);
        AssertOneLineError(grep.Exit, grep.Stderr, expected);

        // The writers' client (StackExchange.Redis) gives the same cause.
        var tree = Path.Combine(Certs.Directory, "tree-refused");
        QueryFleet.WriteTree(tree, [("refused.example.org", "/etc/motd", "x\n"u8.ToArray())]);
        var import = await CliProcessTests.Run("import", tree, "--server", Rediss(tls.Open), "--tls-ca", Certs.OtherCaFile);
        AssertOneLineError(import.Exit, import.Stderr, expected);

        // Without any CA file, the system's CAs do not know the test CA.
        var system = await CliProcessTests.RunWithEnvironment(new Dictionary<string, string?> { [TlsFiles.CaEnvironmentVariable] = null },
            "grep", "sysctl.conf", "somaxconn", "--server", Rediss(tls.Open));
        AssertOneLineError(system.Exit, system.Stderr, "not signed by a CA this system trusts");
    }

    [Fact]
    public async Task A_certificate_for_another_host_name_is_refused_naming_both()
    {
        var grep = await CliProcessTests.Run("grep", "sysctl.conf", "somaxconn", "--server", Rediss(tls.WrongName), "--tls-ca", Certs.CaFile);
        AssertOneLineError(grep.Exit, grep.Stderr, $"the server's certificate is for {TestCertificates.WrongName}, not for 127.0.0.1");
    }

    [Fact]
    public async Task An_expired_certificate_is_named()
    {
        var grep = await CliProcessTests.Run("search", "sysctl.conf", "--server", Rediss(tls.Expired), "--tls-ca", Certs.CaFile);
        AssertOneLineError(grep.Exit, grep.Stderr, $"subject '{TestCertificates.ServerSubject}'", "expired on");
    }

    [Fact]
    public async Task A_server_that_requires_a_client_certificate_works_with_one_and_says_so_without()
    {
        var with = await CliProcessTests.Run("grep", "sysctl.conf", "somaxconn", "--uniq", "--server", Rediss(tls.ClientAuth),
            "--tls-ca", Certs.CaFile, "--tls-cert", Certs.Client.Cert, "--tls-key", Certs.Client.Key);
        Assert.True(with.Exit == 0, with.Stderr);
        Assert.Equal(ExpectedUniq, with.Stdout);

        var without = await CliProcessTests.Run("grep", "sysctl.conf", "somaxconn", "--server", Rediss(tls.ClientAuth), "--tls-ca", Certs.CaFile);
        AssertOneLineError(without.Exit, without.Stderr, $"TLS to the Redis server {tls.ClientAuth.Address} failed", "requires a client certificate and none was given");

        var stranger = await CliProcessTests.Run("grep", "sysctl.conf", "somaxconn", "--server", Rediss(tls.ClientAuth),
            "--tls-ca", Certs.CaFile, "--tls-cert", Certs.StrangerClient.Cert, "--tls-key", Certs.StrangerClient.Key);
        AssertOneLineError(stranger.Exit, stranger.Stderr, "rejected the client certificate", "CN=sysops-fast stranger client");

        // push (StackExchange.Redis) names the same cause, on its line for the server.
        var outgoing = Path.Combine(Certs.Directory, "outgoing-nocert");
        Directory.CreateDirectory(outgoing);
        await File.WriteAllTextAsync(Path.Combine(outgoing, "uname-a"), "Linux\n");
        var push = await CliProcessTests.Run("push", "--dir", outgoing, "--hostname", "nocert.example.org", "--ledger", Path.Combine(Certs.Directory, "nocert.ledger"), "--server", Rediss(tls.ClientAuth), "--tls-ca", Certs.CaFile);
        Assert.Equal(2, push.Exit);
        Assert.Contains("requires a client certificate and none was given", push.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_to_a_plain_port_and_plain_to_a_tls_port_are_named()
    {
        var tlsToPlain = await CliProcessTests.Run("grep", "sysctl.conf", "x", "--server", Rediss(tls.Plain), "--tls-ca", Certs.CaFile);
        AssertOneLineError(tlsToPlain.Exit, tlsToPlain.Stderr, $"TLS to the Redis server {tls.Plain.Address} failed: that port answers without TLS");

        var plainToTls = await CliProcessTests.Run("grep", "sysctl.conf", "x", "--server", tls.Open.Address);
        AssertOneLineError(plainToTls.Exit, plainToTls.Stderr, $"the Redis server {tls.Open.Address} expects TLS on that port", $"use rediss://{tls.Open.Address}");
    }

    [Fact]
    public async Task Tls_files_that_cannot_be_read_are_named()
    {
        var missing = Path.Combine(Certs.Directory, "missing.crt");
        var grep = await CliProcessTests.Run("grep", "sysctl.conf", "x", "--server", Rediss(tls.Open), "--tls-ca", missing);
        AssertOneLineError(grep.Exit, grep.Stderr, $"cannot read the TLS CA file '{missing}'");

        var keyOnly = await CliProcessTests.Run("grep", "sysctl.conf", "x", "--server", Rediss(tls.Open), "--tls-key", Certs.Client.Key);
        AssertOneLineError(keyOnly.Exit, keyOnly.Stderr, "was given without its certificate");
    }
    /// <summary>
    /// With a CA file for every server, the handshake must not parse the system's CA directory
    /// (~40 ms per run: SystemTrustStore); without one, the system's CAs are still what is trusted
    /// (A_certificate_from_another_ca_is_refused_... checks that refusal). Seen through strace.
    /// </summary>
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task A_run_whose_servers_all_have_a_ca_file_never_reads_the_system_store(bool caOnCommandLine, bool caFromEnvironment)
    {
        var trace = Path.Combine(Certs.Directory, $"strace-{caOnCommandLine}.txt");
        string[] query = ["grep", "sysctl.conf", "somaxconn", "--uniq", "--server", Rediss(tls.Open), .. caOnCommandLine ? new[] { "--tls-ca", Certs.CaFile } : []];
        var run = await CliProcessTests.RunProgram("strace", null,
            new Dictionary<string, string?> { [TlsFiles.CaEnvironmentVariable] = caFromEnvironment ? Certs.CaFile : null },
            [ "-f", "-qq", "-e", "trace=openat,open", "-o", trace, "dotnet", Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll"), .. query]);
        Assert.True(run.Exit == 0, run.Stderr);
        Assert.Equal(ExpectedUniq, run.Stdout);
        var opened = await File.ReadAllLinesAsync(trace);
        Assert.Contains(opened, l => l.Contains(Certs.CaFile, StringComparison.Ordinal));
        Assert.DoesNotContain(opened, l => l.Contains("/etc/ssl/certs", StringComparison.Ordinal) && !l.Contains("ENOENT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_ca_file_the_system_store_is_read()
    {
        var trace = Path.Combine(Certs.Directory, "strace-system.txt");
        var run = await CliProcessTests.RunProgram("strace", null,
            new Dictionary<string, string?> { [TlsFiles.CaEnvironmentVariable] = null },
            [ "-f", "-qq", "-e", "trace=openat,open", "-o", trace, "dotnet", Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll"), "grep", "sysctl.conf", "x", "--server", Rediss(tls.Open)]);
        AssertOneLineError(run.Exit, run.Stderr, "not signed by a CA this system trusts");
        Assert.Contains(await File.ReadAllLinesAsync(trace), l => l.Contains("/etc/ssl/certs", StringComparison.Ordinal) && !l.Contains("ENOENT", StringComparison.Ordinal));
    }
}
