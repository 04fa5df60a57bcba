using StackExchange.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// A real redis-server that requires a password (requirepass), with ACL users: "reader" may read
/// every key (and PING) but write none; "nokeys" may run every command on no key. Its three hosts'
/// files were written by `sysops-fast import` with the password in its environment.
/// </summary>
public sealed class PasswordServerFixture : IAsyncLifetime
{
    public const string AdminPassword = "adm1n-S3cret-pw";

    public const string ReaderPassword = "r3ader-S3cret-pw";

    public const string NoKeysPassword = "n0keys-S3cret-pw";

    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("sysops-fast-auth-").FullName;

    public RedisProcess Redis { get; private set; } = null!;

    public string Directory => _dir;

    public async Task InitializeAsync()
    {
        Redis = await RedisProcess.StartAsync("--requirepass", AdminPassword);
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { Redis.Address }, Password = AdminPassword, AllowAdmin = true }))
        {
            var server = admin.GetServers()[0];
            await server.ExecuteAsync("ACL", "SETUSER", "reader", "on", ">" + ReaderPassword, "~*", "+@read", "+ping");
            await server.ExecuteAsync("ACL", "SETUSER", "nokeys", "on", ">" + NoKeysPassword, "+@all");
        }
        var tree = Path.Combine(_dir, "tree");
        QueryFleet.WriteTree(tree, TlsServersFixture.Hosts.Select((h, i) => (h, "/etc/sysctl.conf", TlsServersFixture.SysctlOf(i))));
        var import = await CliProcessTests.RunWithEnvironment(new Dictionary<string, string?> { ["SYSOPS_FAST_REDIS_PASSWORD"] = AdminPassword }, "import", tree, "--server", Redis.Address);
        if (import.Exit != 0)
        {
            throw new InvalidOperationException("import with the password failed: " + import.Stderr);
        }
    }

    public async Task DisposeAsync()
    {
        await Redis.DisposeAsync();
        System.IO.Directory.Delete(_dir, recursive: true);
    }
}

public sealed class AuthTests(PasswordServerFixture fixture) : IClassFixture<PasswordServerFixture>
{
    private const string ExpectedUniq = "      2 net.core.somaxconn = 4096\n      1 net.core.somaxconn = 128\n";

    private string Address => fixture.Redis.Address;

    private static Dictionary<string, string?> Password(string password) => new()
    {
        ["SYSOPS_FAST_REDIS_PASSWORD"] = password,
        ["SYSOPS_FAST_REDIS_PASSWORD_FILE"] = null,
    };

    private static Dictionary<string, string?> PasswordFile(string file) => new()
    {
        ["SYSOPS_FAST_REDIS_PASSWORD"] = null,
        ["SYSOPS_FAST_REDIS_PASSWORD_FILE"] = file,
    };

    private static readonly Dictionary<string, string?> NoPassword = new()
    {
        ["SYSOPS_FAST_REDIS_PASSWORD"] = null,
        ["SYSOPS_FAST_REDIS_PASSWORD_FILE"] = null,
    };

    /// <summary>Exit 2, one line naming the server and each expected text, and no password anywhere.</summary>
    private void AssertOneLineError((int Exit, string Stdout, string Stderr) run, params string[] expected)
    {
        Assert.Equal(2, run.Exit);
        Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(Address, run.Stderr, StringComparison.Ordinal);
        foreach (var e in expected)
        {
            Assert.Contains(e, run.Stderr, StringComparison.Ordinal);
        }
        AssertNoPassword(run);
    }

    private static void AssertNoPassword((int Exit, string Stdout, string Stderr) run)
    {
        foreach (var secret in new[] { PasswordServerFixture.AdminPassword, PasswordServerFixture.ReaderPassword, PasswordServerFixture.NoKeysPassword, "wr0ng-pw" })
        {
            Assert.DoesNotContain(secret, run.Stdout + run.Stderr, StringComparison.Ordinal);
        }
    }

    private string WritePasswordFile(string name, string password, UnixFileMode mode)
    {
        var file = Path.Combine(fixture.Directory, name);
        File.WriteAllText(file, password + "\n");
        File.SetUnixFileMode(file, mode);
        return file;
    }

    [Fact]
    public async Task The_password_from_the_environment_or_a_private_file_is_sent()
    {
        var fromEnvironment = await CliProcessTests.RunWithEnvironment(Password(PasswordServerFixture.AdminPassword), "grep", "sysctl.conf", "somaxconn", "--uniq", "--server", Address);
        Assert.True(fromEnvironment.Exit == 0, fromEnvironment.Stderr);
        Assert.Equal(ExpectedUniq, fromEnvironment.Stdout);

        var file = WritePasswordFile("admin.pw", PasswordServerFixture.AdminPassword, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var fromFile = await CliProcessTests.RunWithEnvironment(PasswordFile(file), "grep", "sysctl.conf", "somaxconn", "--uniq", "--server", Address);
        Assert.True(fromFile.Exit == 0, fromFile.Stderr);
        Assert.Equal(ExpectedUniq, fromFile.Stdout);

        // An ACL user named in the address, its password from the file; search and info too.
        var readerFile = WritePasswordFile("reader.pw", PasswordServerFixture.ReaderPassword, UnixFileMode.UserRead);
        var search = await CliProcessTests.RunWithEnvironment(PasswordFile(readerFile), "search", "sysctl.conf", "--server", $"redis://reader@{Address}");
        Assert.True(search.Exit == 0, search.Stderr);
        Assert.Equal(3, search.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        AssertNoPassword(search);
    }

    [Fact]
    public async Task A_password_file_others_may_read_is_refused_naming_the_file_and_chmod_600()
    {
        var file = WritePasswordFile("open.pw", PasswordServerFixture.AdminPassword, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var grep = await CliProcessTests.RunWithEnvironment(PasswordFile(file), "grep", "sysctl.conf", "somaxconn", "--server", Address);
        Assert.Equal(2, grep.Exit);
        Assert.Single(grep.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"the password file '{file}'", grep.Stderr, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 '{file}'", grep.Stderr, StringComparison.Ordinal);
        AssertNoPassword(grep);

        // push refuses it once, before any server.
        var outgoing = Path.Combine(fixture.Directory, "outgoing-open");
        System.IO.Directory.CreateDirectory(outgoing);
        await File.WriteAllTextAsync(Path.Combine(outgoing, "uname-a"), "Linux\n");
        var push = await CliProcessTests.RunWithEnvironment(PasswordFile(file), "push", "--dir", outgoing, "--hostname", "h.example.org", "--ledger", Path.Combine(fixture.Directory, "open.ledger"), "--server", Address);
        Assert.Equal(2, push.Exit);
        Assert.Contains("chmod 600", push.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_an_unknown_user_or_no_password_is_authentication_failed_in_one_line()
    {
        var wrong = await CliProcessTests.RunWithEnvironment(Password("wr0ng-pw"), "grep", "sysctl.conf", "somaxconn", "--server", Address);
        AssertOneLineError(wrong, "authentication failed", "as user 'default'", "WRONGPASS");

        var unknownUser = await CliProcessTests.RunWithEnvironment(Password(PasswordServerFixture.AdminPassword), "search", "sysctl.conf", "--server", $"redis://nobody@{Address}");
        AssertOneLineError(unknownUser, "authentication failed", "as user 'nobody'");

        var none = await CliProcessTests.RunWithEnvironment(NoPassword, "info", "--server", Address);
        Assert.Equal(2, none.Exit);
        Assert.Contains("authentication failed", none.Stdout + none.Stderr, StringComparison.Ordinal);
        Assert.Contains("requires a password and none was given", none.Stdout + none.Stderr, StringComparison.Ordinal);

        // The writers' client (StackExchange.Redis) says the same, and --verbose shows no password either.
        var tree = Path.Combine(fixture.Directory, "tree-wrong");
        QueryFleet.WriteTree(tree, [("w.example.org", "/etc/motd", "x\n"u8.ToArray())]);
        var import = await CliProcessTests.RunWithEnvironment(Password("wr0ng-pw"), "import", tree, "--server", Address, "--verbose");
        Assert.Equal(2, import.Exit);
        Assert.StartsWith($"sysops-fast: authentication failed on the Redis server {Address}", import.Stderr, StringComparison.Ordinal);
        AssertNoPassword(import);
    }

    [Fact]
    public async Task A_command_the_acl_refuses_is_named_with_the_server_and_redis_words()
    {
        // reader may read: queries work, push is refused its first write.
        var grep = await CliProcessTests.RunWithEnvironment(Password(PasswordServerFixture.ReaderPassword), "grep", "sysctl.conf", "somaxconn", "--uniq", "--server", $"redis://reader@{Address}");
        Assert.True(grep.Exit == 0, grep.Stderr);
        Assert.Equal(ExpectedUniq, grep.Stdout);

        var outgoing = Path.Combine(fixture.Directory, "outgoing-reader");
        System.IO.Directory.CreateDirectory(outgoing);
        await File.WriteAllTextAsync(Path.Combine(outgoing, "uname-a"), "Linux\n");
        var push = await CliProcessTests.RunWithEnvironment(Password(PasswordServerFixture.ReaderPassword), "push", "--dir", outgoing, "--hostname", "r.example.org", "--ledger", Path.Combine(fixture.Directory, "reader.ledger"), "--server", $"redis://reader@{Address}");
        Assert.Equal(2, push.Exit);
        Assert.Matches($"the Redis server {System.Text.RegularExpressions.Regex.Escape(Address)} refused .* to this user \\(NOPERM [^)]*no permissions to run the '[a-z]+' command\\)", push.Stdout);

        // nokeys may touch no key: the query's first key command is named, in Redis's words.
        var query = await CliProcessTests.RunWithEnvironment(Password(PasswordServerFixture.NoKeysPassword), "grep", "sysctl.conf", "somaxconn", "--server", $"redis://nokeys@{Address}");
        AssertOneLineError(query, "refused EXISTS to this user (NOPERM", "keys");

        // INFO is not in +@read: info names it, per server.
        var info = await CliProcessTests.RunWithEnvironment(Password(PasswordServerFixture.ReaderPassword), "info", "--server", $"redis://reader@{Address}");
        Assert.Contains("refused INFO to this user (NOPERM", info.Stdout + info.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_password_in_an_address_is_refused_without_repeating_it()
    {
        var e = Assert.Throws<SysopsFastException>(() => Redis.ServerAddress.Parse("redis://reader:" + PasswordServerFixture.ReaderPassword + "@127.0.0.1:6379"));
        Assert.DoesNotContain(PasswordServerFixture.ReaderPassword, e.Message, StringComparison.Ordinal);
        Assert.Contains("redis://reader:***@127.0.0.1:6379", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A refusal is configuration, the same at every replica: a caller that embeds the library tells it by the kind.</summary>
    [Fact]
    public async Task A_server_that_requires_a_password_is_a_configuration_error_by_kind_not_a_server_down()
    {
        Assert.Null(Environment.GetEnvironmentVariable("SYSOPS_FAST_REDIS_PASSWORD"));
        await using var query = new FleetQuery(Address);
        var e = await Assert.ThrowsAsync<SysopsFastException>(() => query.GrepUniqAsync(new Grep.GrepRequest("sysctl.conf", "somaxconn")));
        Assert.Equal(ErrorKind.Configuration, e.Kind);
        Assert.Equal(ErrorRemedy.Credentials, e.Remedy);
        Assert.Contains("requires a password", e.Message, StringComparison.Ordinal);
    }
}
