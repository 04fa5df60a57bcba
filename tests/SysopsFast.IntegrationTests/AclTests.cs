using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// The roles of <c>sysops-fast acl</c>, loaded into a real redis-server (<c>--aclfile</c>, as an
/// operator deploys them) and used by redis-cli and by the CLI: each role can do its job and no more.
/// The password reaches every process through a mode-600 file, never argv.
/// </summary>
public sealed class AclTests : IAsyncLifetime
{
    private const string Password = "correct horse battery staple";
    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-acl-").FullName;
    private RedisProcess? _redis;

    private string PasswordFile => Path.Combine(_work, "password");

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(PasswordFile, Password + "\n");
        File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllLinesAsync(Path.Combine(_work, "hosts.txt"), ["web1.example.org", "web2.example.org"]);
        var lines = new List<string> { "user default on nopass ~* &* +@all" };
        foreach (var (role, user) in new[] { ("reader", "reader"), ("pusher", "pusher"), ("admin", "admin") })
        {
            var (exit, stdout, stderr) = await Cli("acl", "--role", role, "--user", user);
            Assert.True(exit == 0, stderr);
            Assert.StartsWith($"user {user} on #", stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(Password, stdout, StringComparison.Ordinal);
            lines.Add(stdout.TrimEnd('\n'));
        }
        var perHost = await Cli("acl", "--role", "pusher", "--hosts", Path.Combine(_work, "hosts.txt"));
        Assert.Equal(0, perHost.Exit);
        lines.AddRange(perHost.Stdout.TrimEnd('\n').Split('\n'));
        var aclFile = Path.Combine(_work, "users.acl");
        await File.WriteAllLinesAsync(aclFile, lines);
        _redis = await RedisProcess.StartAsync("--aclfile", aclFile);
        var tree = Path.Combine(_work, "tree");
        Directory.CreateDirectory(Path.Combine(tree, "web1.example.org"));
        await File.WriteAllTextAsync(Path.Combine(tree, "web1.example.org", "motd"), "hello\n");
        await FleetImporter.ImportAsync(tree, ServerAddress.Parse(_redis.Address), PayloadCodec.Lz4, TimeSpan.FromHours(1), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        Directory.Delete(_work, recursive: true);
    }

    /// <summary>The CLI with the password file in its environment (through env(1), so no password on any command line).</summary>
    private Task<(int Exit, string Stdout, string Stderr)> Cli(params string[] args) => CliWith(PasswordFile, args);

    private static Task<(int Exit, string Stdout, string Stderr)> CliWith(string passwordFile, params string[] args) =>
        CliProcessTests.RunProgram("env", null, [$"SYSOPS_FAST_REDIS_PASSWORD_FILE={passwordFile}", "dotnet", Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll"), .. args]);

    private string As(string user) => $"redis://{user}@{_redis!.Address}";

    /// <summary>A directory of outgoing objects for push.</summary>
    private string Outgoing(string contents)
    {
        var dir = Directory.CreateTempSubdirectory("sysops-fast-out-").FullName;
        File.WriteAllText(Path.Combine(dir, "uname-a"), contents);
        return dir;
    }

    /// <summary>redis-cli as a user; it exits 0 on error replies, so the reply text is what tells.</summary>
    private async Task<string> RedisCli(string user, string password, params string[] command)
    {
        var (_, stdout, stderr) = await CliProcessTests.RunProgram("redis-cli", null, ["-p", _redis!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--user", user, "--pass", password, "--no-auth-warning", .. command]);
        return (stdout + stderr).Trim();
    }

    [Theory]
    [InlineData("reader", "MGET web1.example.org#/motd", "")]
    [InlineData("reader", "GETRANGE web1.example.org#/motd 0 3", "")]
    [InlineData("reader", "ZRANGEBYSCORE #catalog:hosts -inf +inf", "web1.example.org")]
    [InlineData("reader", "XADD #audit * who me", "-")]
    [InlineData("reader", "SET web1.example.org#/motd forged", "NOPERM")]
    [InlineData("reader", "DEL web1.example.org#/motd", "NOPERM")]
    [InlineData("reader", "EXPIRE web1.example.org#/motd 1", "NOPERM")]
    [InlineData("reader", "XADD #other * who me", "NOPERM")]
    [InlineData("reader", "XTRIM #audit MAXLEN 0", "NOPERM")]
    [InlineData("reader", "XDEL #audit 1-1", "NOPERM")]
    [InlineData("reader", "DEL #audit", "NOPERM")]
    [InlineData("reader", "FLUSHALL", "NOPERM")]
    [InlineData("reader", "KEYS *", "NOPERM")]
    [InlineData("reader", "CONFIG GET maxmemory", "NOPERM")]
    [InlineData("reader", "SCRIPT FLUSH", "NOPERM")]
    [InlineData("reader", "ACL LIST", "NOPERM")]
    [InlineData("pusher", "SET web9.example.org#/motd x", "OK")]
    [InlineData("pusher", "EXPIRE web1.example.org#/motd 3600", "1")]
    [InlineData("pusher", "ZADD #catalog:hosts GT 1 web9.example.org", "")]
    [InlineData("pusher", "GET web1.example.org#/motd", "NOPERM")]
    [InlineData("pusher", "GETRANGE web1.example.org#/motd 24 39", "NOPERM")]
    [InlineData("pusher", "MGET web1.example.org#/motd", "NOPERM")]
    [InlineData("pusher", "SCAN 0", "NOPERM")]
    [InlineData("pusher", "DEL web1.example.org#/motd", "NOPERM")]
    [InlineData("pusher", "FLUSHALL", "NOPERM")]
    [InlineData("web1.example.org", "SET web1.example.org#/etc/x y", "OK")]
    [InlineData("web1.example.org", "GETRANGE web1.example.org#/motd 0 1", "NOPERM")] // no pusher reads records, its own neither
    [InlineData("web1.example.org", "SET web2.example.org#/etc/x forged", "NOPERM")]
    [InlineData("web1.example.org", "GET web2.example.org#/etc/x", "NOPERM")]
    [InlineData("web1.example.org", "FLUSHALL", "NOPERM")]
    [InlineData("admin", "FLUSHDB", "OK")]
    public async Task Each_role_may_do_its_job_and_no_more(string user, string command, string expected)
    {
        var password = user.Contains('.', StringComparison.Ordinal) ? Redis.AclRules.HostPassword(Password, user) : Password;
        if (command == "FLUSHDB")
        {
            command = "SELECT 9"; // the admin's power, without emptying what the other cases read
            expected = "OK";
        }
        var reply = await RedisCli(user, password, command.Split(' '));
        if (expected == "NOPERM")
        {
            Assert.StartsWith("NOPERM", reply, StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain("NOPERM", reply, StringComparison.Ordinal);
            Assert.DoesNotContain("ERR", reply, StringComparison.Ordinal);
            Assert.Contains(expected, reply, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_reader_queries_and_cannot_push()
    {
        var (exit, stdout, stderr) = await Cli("grep", "motd", "hello", "-H", "--server", As("reader"));
        Assert.True(exit == 0, stderr);
        Assert.Equal("web1.example.org:hello\n", stdout);
        (exit, stdout, stderr) = await Cli("search", "motd", "--md5sum", "--cost", "--server", As("reader"));
        Assert.True(exit == 0, stderr);
        Assert.Equal(32, stdout.Trim().Length);
        (exit, _, stderr) = await Cli("info", "--server", As("reader"));
        Assert.True(exit == 0, stderr);

        (exit, stdout, _) = await Cli("push", "--dir", Outgoing("Linux\n"), "--hostname", "web1.example.org", "--ledger", Path.Combine(_work, "reader.ledger"), "--server", As("reader"));
        Assert.Equal(2, exit);
        Assert.Contains("FAILED: ", stdout, StringComparison.Ordinal);
        Assert.Contains("NOPERM", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pusher_pushes_refreshes_unchanged_objects_without_reading_and_cannot_query()
    {
        var dir = Outgoing("Linux 6.1\n");
        var ledger = Path.Combine(_work, "pusher.ledger");
        var (exit, stdout, stderr) = await Cli("push", "--dir", dir, "--hostname", "web3.example.org", "--ledger", ledger, "--server", As("pusher"));
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("ok, 1 written, 0 unchanged", stdout, StringComparison.Ordinal);
        (exit, stdout, stderr) = await Cli("push", "--dir", dir, "--hostname", "web3.example.org", "--ledger", ledger, "--server", As("pusher"));
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("ok, 0 written, 1 unchanged", stdout, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ledger));

        (exit, _, stderr) = await Cli("grep", "uname-a", "Linux", "--server", As("pusher"));
        Assert.Equal(2, exit);
        Assert.Contains("NOPERM", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        var (_, answer, _) = await Cli("grep", "uname-a", "Linux", "-H", "--server", As("reader"));
        Assert.Contains("web3.example.org:Linux 6.1", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_pusher_writes_its_own_keys_only()
    {
        var own = Path.Combine(_work, "web1.password");
        await File.WriteAllTextAsync(own, Redis.AclRules.HostPassword(Password, "web1.example.org"));
        File.SetUnixFileMode(own, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var dir = Outgoing("Linux web1\n");
        var (exit, stdout, stderr) = await CliWith(own, "push", "--dir", dir, "--hostname", "web1.example.org", "--ledger", Path.Combine(_work, "web1.ledger"), "--server", As("web1.example.org"));
        Assert.True(exit == 0, stdout + stderr);
        (exit, stdout, _) = await CliWith(own, "push", "--dir", dir, "--hostname", "web2.example.org", "--ledger", Path.Combine(_work, "web1b.ledger"), "--server", As("web1.example.org"));
        Assert.Equal(2, exit);
        Assert.Contains("FAILED: ", stdout, StringComparison.Ordinal);
        Assert.Contains("NOPERM", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_query_is_in_the_audit_stream_with_who_what_and_cost()
    {
        var pattern = "hel+o-" + Guid.NewGuid().ToString("N")[..8] + "|hello";
        var (exit, _, stderr) = await Cli("grep", "motd", pattern, "--server", As("reader"));
        Assert.True(exit == 0, stderr);
        Assert.DoesNotContain("audit", stderr, StringComparison.Ordinal); // recorded: nothing to say
        (exit, var stdout, stderr) = await Cli("audit", "--since", "1h", "--json", "--server", As("reader"));
        Assert.True(exit == 0, stderr);
        var rows = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        var row = Assert.Single(rows, r => r.GetProperty("pattern").GetString() == pattern);
        Assert.Equal("reader", row.GetProperty("user").GetString());
        Assert.Equal(Environment.UserName, row.GetProperty("os_user").GetString());
        Assert.Equal(Environment.MachineName, row.GetProperty("client_host").GetString());
        Assert.Equal("motd", row.GetProperty("object_pattern").GetString());
        Assert.StartsWith("grep motd '" + pattern + "' --server redis://reader@", row.GetProperty("command").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, row.GetProperty("keys").GetInt64());
        Assert.True(row.GetProperty("bytes").GetInt64() > 0);
        Assert.True(row.GetProperty("seconds").GetDouble() > 0);
        Assert.True(Math.Abs(row.GetProperty("time").GetDouble() - DateTimeOffset.UtcNow.ToUnixTimeSeconds()) < 120);

        (exit, stdout, _) = await Cli("audit", "--since", "1h", "--server", As("reader"));
        Assert.Equal(0, exit);
        Assert.Contains($"  reader  {Environment.UserName}@{Environment.MachineName}  keys=1 ", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_refuses_the_audit_entry_is_named_and_the_answer_stands()
    {
        // A reader whose ACL lost +xadd (an operator's own rule): the query is answered, the gap named.
        Assert.Equal("OK", await RedisCli("default", "unused", "ACL", "SETUSER", "noaudit", "on", $">{Password}", "%R~*", "-@all", "+mget", "+get", "+exists", "+zrangebyscore", "+zscan", "+scan", "+info", "+ping", "+eval", "+getrange", "+hello", "+auth", "+select", "+client|setname"));
        var (exit, stdout, stderr) = await Cli("grep", "motd", "hello", "--server", As("noaudit"));
        Assert.True(exit == 0, stderr);
        Assert.Equal("hello\n", stdout);
        Assert.Contains($"sysops-fast: the query was not recorded in the audit stream of {_redis!.Address}: ", stderr, StringComparison.Ordinal);
        Assert.Contains("NOPERM", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Secrets_never_reach_the_recorded_command_line() =>
        Assert.Equal("grep x y --server 'redis://u:***@h:1' --tls-key-password '***' '--secret=***'",
            Query.AuditEntry.Redact(["grep", "x", "y", "--server", "redis://u:hunter2@h:1", "--tls-key-password", "hunter2", "--secret=hunter2"]));

    [Fact]
    public async Task A_host_password_only_opens_that_host()
    {
        var (exit, stdout, _) = await Cli("acl", "--host-password", "web1.example.org");
        Assert.Equal(0, exit);
        Assert.Equal(Redis.AclRules.HostPassword(Password, "web1.example.org"), stdout.Trim());
        Assert.Contains("WRONGPASS", await RedisCli("web2.example.org", stdout.Trim(), "PING"), StringComparison.Ordinal);
        Assert.Equal("PONG", await RedisCli("web1.example.org", stdout.Trim(), "PING"));
    }

    [Theory]
    [InlineData(new[] { "acl" }, "give --role")]
    [InlineData(new[] { "acl", "--role", "reader", "--user", "two words" }, "cannot be a Redis user name")]
    [InlineData(new[] { "acl", "--role", "reader", "--hosts", "/nonexistent" }, "--hosts makes one pusher per host")]
    [InlineData(new[] { "acl", "--role", "pusher", "--hosts", "/nonexistent" }, "cannot read the host list")]
    [InlineData(new[] { "acl", "--role", "boss" }, "boss")]
    public async Task Bad_acl_requests_are_one_line_errors(string[] args, string message)
    {
        var (exit, _, stderr) = await Cli(args);
        Assert.Equal(2, exit);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Without_a_password_acl_says_where_to_put_it()
    {
        var (exit, _, stderr) = await CliProcessTests.Run("acl", "--role", "reader");
        Assert.Equal(2, exit);
        Assert.Contains("SYSOPS_FAST_REDIS_PASSWORD_FILE", stderr, StringComparison.Ordinal);
    }
}
