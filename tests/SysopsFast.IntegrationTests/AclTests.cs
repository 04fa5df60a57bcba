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
public sealed partial class AclTests : IAsyncLifetime
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
        foreach (var (role, user) in new[] { ("reader", "reader"), ("pusher", "pusher"), ("trainer", "trainer"), ("admin", "admin") })
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
    [InlineData("reader", "XADD #audit:reader * who me", "-")]
    [InlineData("reader", "SET web1.example.org#/motd forged", "NOPERM")]
    [InlineData("reader", "DEL web1.example.org#/motd", "NOPERM")]
    [InlineData("reader", "EXPIRE web1.example.org#/motd 1", "NOPERM")]
    [InlineData("reader", "XADD #other * who me", "NOPERM")]
    [InlineData("reader", "XTRIM #audit:reader MAXLEN 0", "NOPERM")]
    [InlineData("reader", "XDEL #audit:reader 1-1", "NOPERM")]
    [InlineData("reader", "DEL #audit:reader", "NOPERM")]
    [InlineData("reader", "FLUSHALL", "NOPERM")]
    [InlineData("reader", "KEYS *", "NOPERM")]
    [InlineData("reader", "CONFIG GET maxmemory", "NOPERM")]
    [InlineData("reader", "SCRIPT FLUSH", "NOPERM")]
    [InlineData("reader", "ACL LIST", "NOPERM")]
    [InlineData("reader", "HGETALL #dict:current", "")]
    [InlineData("reader", "HSET #dict:current cmd/x 0000abcd", "NOPERM")]
    [InlineData("pusher", "SET web9.example.org#/motd x", "OK")]
    [InlineData("pusher", "EXPIRE web1.example.org#/motd 3600", "1")]
    [InlineData("pusher", "ZADD #catalog:hosts GT 1 web9.example.org", "")]
    [InlineData("pusher", "GET web1.example.org#/motd", "NOPERM")]
    [InlineData("pusher", "GETRANGE web1.example.org#/motd 24 39", "NOPERM")]
    [InlineData("pusher", "MGET web1.example.org#/motd", "NOPERM")]
    [InlineData("pusher", "SCAN 0", "NOPERM")]
    [InlineData("pusher", "DEL web1.example.org#/motd", "NOPERM")]
    [InlineData("pusher", "FLUSHALL", "NOPERM")]
    [InlineData("pusher", "HMGET #dict:current cmd/uname-a", "")]
    [InlineData("pusher", "EXPIRE #dict:0000abcd 3600 GT", "0")]
    [InlineData("pusher", "PTTL #dict:0000abcd", "-2")]
    [InlineData("web1.example.org", "SET web1.example.org#/etc/x y", "OK")]
    [InlineData("web1.example.org", "GETRANGE web1.example.org#/motd 0 1", "NOPERM")] // no pusher reads records, its own neither
    [InlineData("web1.example.org", "SET web2.example.org#/etc/x forged", "NOPERM")]
    [InlineData("web1.example.org", "GET web2.example.org#/etc/x", "NOPERM")]
    [InlineData("web1.example.org", "FLUSHALL", "NOPERM")]
    [InlineData("web1.example.org", "HMGET #dict:current cmd/uname-a", "")]
    [InlineData("web1.example.org", "EXPIRE #dict:0000abcd 3600 GT", "0")]
    [InlineData("web1.example.org", "PERSIST #dict:0000abcd", "0")]
    [InlineData("web1.example.org", "SET #dict:0000abcd forged", "NOPERM")] // a dictionary's life, never its bytes
    [InlineData("web1.example.org", "EXPIRE #dict:current 1", "NOPERM")] // nor the pointer
    [InlineData("web1.example.org", "HSET #dict:current cmd/uname-a 0000abcd", "NOPERM")]
    [InlineData("trainer", "GETRANGE web1.example.org#/motd 0 3", "SFRC")]
    [InlineData("trainer", "SET #dict:0000abcd x EX 1", "OK")]
    [InlineData("trainer", "HSET #dict:current cmd/x 0000abcd", "")]
    [InlineData("trainer", "ZADD #catalog:dicts GT 1 0000abcd", "")]
    [InlineData("trainer", "SET web1.example.org#/motd forged", "NOPERM")]
    [InlineData("trainer", "EXPIRE web1.example.org#/motd 1", "NOPERM")]
    [InlineData("trainer", "ZADD #catalog:hosts 1 web9.example.org", "NOPERM")]
    [InlineData("trainer", "DEL #dict:current", "NOPERM")]
    [InlineData("reader", "EVAL return(1) 0", "NOPERM")] // no role below admin runs code on a server
    [InlineData("reader", "EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0", "NOPERM")]
    [InlineData("reader", "EVAL_RO return(1) 0", "NOPERM")]
    [InlineData("reader", "SCRIPT LOAD return(1)", "NOPERM")]
    [InlineData("reader", "FUNCTION LOAD x", "NOPERM")]
    [InlineData("reader", "FCALL_RO f 0", "NOPERM")]
    [InlineData("trainer", "EVAL return(1) 0", "NOPERM")]
    [InlineData("trainer", "FUNCTION LOAD x", "NOPERM")]
    [InlineData("pusher", "EVAL return(1) 0", "NOPERM")]
    [InlineData("pusher", "FUNCTION LOAD x", "NOPERM")]
    [InlineData("web1.example.org", "EVAL return(1) 0", "NOPERM")]
    [InlineData("web1.example.org", "FUNCTION LOAD x", "NOPERM")]
    [InlineData("web1.example.org", "ZADD #catalog:object:/motd GT 1 web1.example.org", "")] // catalog entries: added, never replaced or ended
    [InlineData("web1.example.org", "EXPIRE #catalog:object:/motd 1", "NOPERM")]
    [InlineData("web1.example.org", "SET #catalog:objects x", "NOPERM")]
    [InlineData("web1.example.org", "PERSIST #catalog:hosts", "NOPERM")]
    [InlineData("web1.example.org", "PEXPIRE #catalog:hosts 1", "NOPERM")]
    [InlineData("web1.example.org", "ZADD #catalog:hostgrams NX 0 eb1", "")] // host-name grams: added, never removed
    [InlineData("web1.example.org", "ZREM #catalog:hostgrams eb1", "NOPERM")]
    [InlineData("web1.example.org", "ZREMRANGEBYSCORE #catalog:hostgrams -inf +inf", "NOPERM")]
    [InlineData("web1.example.org", "DEL #catalog:hostgrams", "NOPERM")]
    [InlineData("web1.example.org", "ZADD #hostgrams:complete 1 x", "NOPERM")] // nor may a pusher make readers trust the index
    [InlineData("web1.example.org", "LPUSH #history:{0000}:web1.example.org#/motd x", "1")] // its own history (docs/FORMAT.md, "History")
    [InlineData("web1.example.org", "LRANGE #history:{0000}:web1.example.org#/etc/y 0 -1", "")]
    [InlineData("web1.example.org", "LPUSH #history:{0000}:web2.example.org#/motd x", "NOPERM")] // never another host's
    [InlineData("web1.example.org", "LRANGE #history:{0000}:web2.example.org#/motd 0 -1", "NOPERM")]
    [InlineData("web1.example.org", "LTRIM #history:{0000}:web2.example.org#/motd 1 0", "NOPERM")]
    [InlineData("web1.example.org", "LPUSH #history:{0000}:web1.example.org2#/motd x", "NOPERM")]
    [InlineData("web1.example.org", "LPUSH #history:{00000}:web1.example.org#/motd x", "NOPERM")] // the tag is 4 wide: no room for a host before it
    [InlineData("web1.example.org", "LPUSH #history:{0000}:web2.example.org#/x:web1.example.org#/x x", "NOPERM")]
    [InlineData("reader", "LRANGE #history:{0000}:web1.example.org#/etc/z 0 -1", "")]
    [InlineData("reader", "LLEN #history:{0000}:web1.example.org#/etc/z", "0")]
    [InlineData("reader", "LPUSH #history:{0000}:web1.example.org#/etc/z x", "NOPERM")]
    [InlineData("pusher", "LTRIM #history:{0000}:web1.example.org#/etc/z 1 0", "OK")] // the shared pusher reads no record, so keeps no history: it empties lists
    [InlineData("pusher", "LRANGE #history:{0000}:web1.example.org#/etc/z 0 -1", "NOPERM")]
    [InlineData("pusher", "SET #hostgrams:complete 1", "NOPERM")]
    [InlineData("pusher", "ZADD #hostgrams:complete 1 x", "NOPERM")]
    [InlineData("pusher", "UNLINK #catalog:hostgrams", "NOPERM")]
    [InlineData("trainer", "SET #hostgrams:complete 1", "NOPERM")]
    [InlineData("reader", "ZMSCORE #catalog:hostgrams eb1 zzz", "")]
    [InlineData("reader", "DEL #hostgrams:complete", "NOPERM")]
    [InlineData("admin", "FLUSHDB", "OK")]
    public async Task Each_role_may_do_its_job_and_no_more(string user, string command, string expected)
    {
        var password = PasswordOf(user);
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
    public async Task A_reader_cannot_stall_the_server_with_a_script_and_header_reads_still_work()
    {
        // The attack: an endless script holds the server (BUSY for everyone) until SCRIPT KILL.
        // timeout(1) ends redis-cli if the server ran it, so the test fails rather than hangs.
        var (_, stdout, stderr) = await CliProcessTests.RunProgram("timeout", null, ["10", "redis-cli", "-p", _redis!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--user", "reader", "--pass", Password, "--no-auth-warning", "EVAL", "while true do end", "0"]);
        Assert.StartsWith("NOPERM", (stdout + stderr).Trim(), StringComparison.Ordinal);
        Assert.Equal("PONG", await RedisCli("pusher", Password, "PING"));

        // Header-only reads (pipelined GETRANGE) and whole-record reads, as the reader.
        var (exit, md5, error) = await Cli("search", "motd", "--md5sum", "--server", As("reader"));
        Assert.True(exit == 0, error);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData("hello\n"u8)), md5.Trim());
        (exit, stdout, error) = await Cli("list-files", "--server", As("reader"));
        Assert.True(exit == 0, error);
        Assert.Equal("      1 /motd\n", stdout);
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

        // A host pusher adds its own name to the host-name index (only web1 was imported: "b2." is new).
        Assert.Equal("", await RedisCli("default", "unused", "ZSCORE", "#catalog:hostgrams", "b2."));
        (exit, stdout, stderr) = await CliWith(await HostPasswordFileAsync("web2.example.org"), "push", "--dir", dir, "--hostname", "web2.example.org", "--ledger", Path.Combine(_work, "web2.ledger"), "--server", As("web2.example.org"));
        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal("0", await RedisCli("default", "unused", "ZSCORE", "#catalog:hostgrams", "b2."));
        (exit, stdout, _) = await CliWith(own, "push", "--dir", dir, "--hostname", "web2.example.org", "--ledger", Path.Combine(_work, "web1b.ledger"), "--server", As("web1.example.org"));
        Assert.Equal(2, exit);
        Assert.Contains("FAILED: ", stdout, StringComparison.Ordinal);
        Assert.Contains("NOPERM", stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// The trainer publishes dictionaries (reading records, writing nothing else); pushers then
    /// compress with them, shared and per-host alike, still reading no record; a pusher whose ACL
    /// predates dictionaries pushes LZ4 and says why.
    /// </summary>
    [Fact]
    public async Task Pushers_compress_with_the_dictionaries_a_trainer_publishes_and_still_read_no_record()
    {
        var lines = string.Concat(Enumerable.Range(0, 200).Select(i => $"setting_{i} = {i * 7}\n"));
        for (var h = 10; h < 20; h++)
        {
            var contents = System.Text.Encoding.ASCII.GetBytes($"host = app{h}\n" + lines);
            await Push.PushAgent.PushAsync($"app{h}.example.org", [new Push.PushObject("cmd/app-conf", contents, FileStat.None, 1)], [ServerAddress.Parse(_redis!.Address)], TimeSpan.FromHours(1), TimeSpan.FromSeconds(10), CancellationToken.None);
        }
        var (exit, stdout, stderr) = await Cli("dict", "train", "app-conf", "--server", As("trainer"));
        Assert.True(exit == 0, stdout + stderr);
        Assert.Matches(@"^\S+ cmd/app-conf: 10 samples of 10 hosts \(2 held out\): LZ4 \d+ B, new [0-9a-f]{8} \d+ B \(-\d+\.\d%\): published; (no base|base [0-9a-f]{8}) \(samples \d+ B, with deltas \d+ B\)\n$", stdout);
        var id = stdout.Split(" new ")[1][..8];
        (exit, stdout, stderr) = await Cli("dict", "list", "--server", As("reader"));
        Assert.True(exit == 0, stderr);
        Assert.Matches($@" cmd/app-conf {id} \d+ B expires in 2[34]h\d\dm\n", stdout);

        var dir = Directory.CreateTempSubdirectory("sysops-fast-out-").FullName;
        File.WriteAllText(Path.Combine(dir, "app-conf"), "host = app3\n" + lines);
        string[] pushAs(string user, string host) => ["push", "--dir", dir, "--hostname", host, "--ledger", Path.Combine(_work, user + ".ledger"), "--dictionary-cache", Path.Combine(_work, user + ".cache"), "--server", As(user)];
        (exit, stdout, stderr) = await Cli(pushAs("pusher", "web3.example.org"));
        Assert.True(exit == 0, stdout + stderr);
        // The shared pusher reads no record, so it keeps no history and says so after the counts.
        Assert.Contains("ok, 1 written, 0 unchanged (expiry refreshed), 1 with a dictionary; no history kept", stdout, StringComparison.Ordinal);
        (exit, stdout, stderr) = await Cli(pushAs("pusher", "web3.example.org"));
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("ok, 0 written, 1 unchanged (expiry refreshed), 1 with a dictionary\n", stdout, StringComparison.Ordinal);
        (exit, stdout, stderr) = await CliWith(await HostPasswordFileAsync("web1.example.org"), pushAs("web1.example.org", "web1.example.org"));
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("ok, 1 written, 0 unchanged (expiry refreshed), 1 with a dictionary\n", stdout, StringComparison.Ordinal);
        foreach (var host in new[] { "web3.example.org", "web1.example.org" })
        {
            // With the dictionary, or (the trainer published a base that pays) as a delta of that base.
            Assert.Matches($"^({(int)PayloadCodec.ZstdDictionary} {id}|{(int)PayloadCodec.LineDelta} [0-9a-f]{{8}})$", await HeaderFieldsAsync($"{host}#cmd/app-conf"));
        }
        Assert.StartsWith("NOPERM", await RedisCli("pusher", Password, "GET", "web3.example.org#cmd/app-conf"), StringComparison.Ordinal);
        var (_, answer, _) = await Cli("grep", "app-conf", "host =", "-H", "--server", As("reader"));
        Assert.Contains("web3.example.org:host = app3\n", answer, StringComparison.Ordinal);
        Assert.Contains("web1.example.org:host = app3\n", answer, StringComparison.Ordinal);

        // The pusher rule before push read dictionaries: no HMGET nor PTTL.
        Assert.Equal("OK", await RedisCli("default", "unused", "ACL", "SETUSER", "oldpusher", "on", $">{Password}", "resetkeys", "%W~*", "%W~#catalog:*", "%R~#catalog:dicts", "%R~#dict:*", "-@all", "+ping", "+hello", "+auth", "+select", "+info", "+client|setname", "+client|id", "+echo", "+set", "+setex", "+psetex", "+expire", "+pexpire", "+persist", "+exists", "+zadd", "+get", "+mget"));
        (exit, stdout, stderr) = await Cli(pushAs("oldpusher", "web4.example.org"));
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("ok, 1 written, 0 unchanged (expiry refreshed), 0 with a dictionary; no dictionary used: the server refused them (NOPERM", stdout, StringComparison.Ordinal);
        Assert.Equal($"{(int)PayloadCodec.Lz4} 00000000", await HeaderFieldsAsync("web4.example.org#cmd/app-conf"));
    }

    /// <summary>
    /// A per-host pusher keeps its objects' history; the shared pusher, which reads no record, keeps
    /// none, says so, and empties the list of an object it changes (a chain never outlives its record).
    /// </summary>
    [Fact]
    public async Task A_host_pusher_keeps_its_history_and_the_shared_pusher_says_it_keeps_none()
    {
        var dir = Directory.CreateTempSubdirectory("sysops-fast-out-").FullName;
        string[] pushAs(string user) => ["push", "--dir", dir, "--hostname", "web2.example.org", "--ledger", Path.Combine(_work, user + ".history-ledger"), "--server", As(user)];
        var own = await HostPasswordFileAsync("web2.example.org");
        foreach (var version in new[] { "Linux 6.1\n", "Linux 6.2\n", "Linux 6.3\n" })
        {
            File.WriteAllText(Path.Combine(dir, "uname-a"), version);
            var (exit, stdout, stderr) = await CliWith(own, pushAs("web2.example.org"));
            Assert.True(exit == 0, stdout + stderr);
            Assert.Contains("ok, 1 written", stdout, StringComparison.Ordinal);
        }
        var history = HistoryKey.Of("web2.example.org#cmd/uname-a");
        Assert.Equal("2", await RedisCli("reader", Password, "LLEN", history));
        File.WriteAllText(Path.Combine(dir, "uname-a"), "Linux 6.4\n");
        var shared = await Cli(pushAs("pusher"));
        Assert.True(shared.Exit == 0, shared.Stdout + shared.Stderr);
        Assert.Contains("ok, 1 written, 0 unchanged (expiry refreshed), 0 with a dictionary; no history kept: this user may not read the records it replaces", shared.Stdout, StringComparison.Ordinal);
        Assert.Equal("0", await RedisCli("reader", Password, "LLEN", history));
    }

    private async Task<string> HostPasswordFileAsync(string host)
    {
        var file = Path.Combine(_work, host + ".password");
        await File.WriteAllTextAsync(file, Redis.AclRules.HostPassword(Password, host));
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return file;
    }

    /// <summary>A stored record's codec and dictionary id (header bytes 5 and 84–87), read as the default user.</summary>
    private async Task<string> HeaderFieldsAsync(string key)
    {
        await using var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis!.Address);
        Assert.True(RecordHeader.TryRead((byte[])(await mux.GetDatabase().StringGetAsync(key))!, out var header, out var error), error);
        return $"{(int)header.Codec} {DictionaryStore.Hex(header.DictionaryId)}";
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
