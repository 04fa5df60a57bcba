using StackExchange.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// issue 16 §1: push's outgoing directory cannot smuggle a denied file out through a directory
/// symlink or /proc/self/root, and a FIFO or /dev/zero there never hangs a run (which holds push.lock).
/// </summary>
public sealed class PushFileSafetyTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IDisposable
{
    private const string Host = "p.example.org";

    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-push-safety-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string Outgoing()
    {
        var outgoing = Directory.CreateDirectory(Path.Combine(_work, "out")).FullName;
        File.WriteAllText(Path.Combine(outgoing, "uname-a"), "Linux\n");
        return outgoing;
    }

    /// <summary>
    /// One push run. A run whose connect timed out (3 s, which a loaded test machine can miss) read
    /// no file and wrote nothing, so it is run again: what is asserted is what a run that connected did.
    /// </summary>
    private async Task<(int Exit, string Stdout, string Stderr)> PushAsync(string outgoing, int db, params string[] more)
    {
        for (var attempt = 1; ; attempt++)
        {
            var run = await CliProcessTests.Run(["push", "--dir", outgoing, "--hostname", Host, "--ledger", Path.Combine(_work, $"ledger-{db}"), "--server", $"redis://{redis.Address}/{db}", .. more]);
            if (attempt == 5 || !run.Stderr.Contains("no server answered", StringComparison.Ordinal))
            {
                return run;
            }
        }
    }

    private async Task<List<string>> KeysAsync(int db)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        return [.. mux.GetServer(redis.Address).Keys(db, Host + "#*").Select(k => k.ToString()).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// A "shadow" file the deny-list names (by its real path), reached through a directory symlink
    /// or through the magic link /proc/self/root: the link's own path is not what counts.
    /// </summary>
    [Theory]
    [InlineData("directory-symlink", 9)]
    [InlineData("proc-self-root", 10)]
    public async Task A_denied_file_is_not_pushed_through_a_link_that_hides_its_path(string route, int db)
    {
        var realEtc = Directory.CreateDirectory(Path.Combine(_work, "real-etc")).FullName;
        var shadow = Path.Combine(realEtc, "shadow");
        File.WriteAllText(shadow, "root:$6$hash:19000::::::\n");
        var config = Path.Combine(_work, "agent.toml");
        File.WriteAllText(config, $"sensitive = [\"{realEtc}/shadow*\"]\n");
        var outgoing = Outgoing();
        var link = Path.Combine(outgoing, "innocent");
        if (route == "directory-symlink")
        {
            var etcLink = Path.Combine(_work, "etc-link");
            Directory.CreateSymbolicLink(etcLink, realEtc);
            File.CreateSymbolicLink(link, Path.Combine(etcLink, "shadow"));
        }
        else
        {
            File.CreateSymbolicLink(link, "/proc/self/root" + shadow);
        }

        var (exit, stdout, stderr) = await PushAsync(outgoing, db, "--config", config);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal([$"{Host}#cmd/uname-a"], await KeysAsync(db));
        var line = Assert.Single(stderr.Split('\n'), l => l.Contains("not pushed", StringComparison.Ordinal));
        Assert.Contains(route == "directory-symlink" ? $"'{shadow}'" : link, line, StringComparison.Ordinal);
    }

    /// <summary>A FIFO blocks an open, /dev/zero never ends: each is skipped with one line naming it, and the next run is not locked out.</summary>
    [Fact]
    public async Task A_fifo_and_a_link_to_dev_zero_are_skipped_with_a_line_each_and_never_hang()
    {
        var outgoing = Outgoing();
        var fifo = Path.Combine(outgoing, "fifo");
        Assert.Equal(0, (await CliProcessTests.RunProgram("mkfifo", null, fifo)).Exit);
        var zero = Path.Combine(outgoing, "zero");
        File.CreateSymbolicLink(zero, "/dev/zero");

        for (var run = 0; run < 2; run++)
        {
            var (exit, stdout, stderr) = await PushAsync(outgoing, 11);
            Assert.True(exit == 0, stdout + stderr);
            Assert.Single(stderr.Split('\n'), l => l.Contains(fifo, StringComparison.Ordinal));
            Assert.Single(stderr.Split('\n'), l => l.Contains(zero, StringComparison.Ordinal));
            Assert.Equal([$"{Host}#cmd/uname-a"], await KeysAsync(11));
        }
    }

    /// <summary>The default deny-list covers SSH host keys (not their .pub) and TLS keys under a private directory.</summary>
    [Fact]
    public async Task Private_keys_are_denied_by_default()
    {
        var ssh = Directory.CreateDirectory(Path.Combine(_work, "etc", "ssh")).FullName;
        var tls = Directory.CreateDirectory(Path.Combine(_work, "etc", "ssl", "private")).FullName;
        var outgoing = Outgoing();
        foreach (var file in new[] { Path.Combine(ssh, "ssh_host_ed25519_key"), Path.Combine(ssh, "ssh_host_ed25519_key.pub"), Path.Combine(tls, "server.pem") })
        {
            File.WriteAllText(file, "key material\n");
            File.CreateSymbolicLink(Path.Combine(outgoing, Path.GetFileName(file)), file);
        }
        var (exit, stdout, stderr) = await PushAsync(outgoing, 12);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal([$"{Host}#{ssh}/ssh_host_ed25519_key.pub", $"{Host}#cmd/uname-a"], await KeysAsync(12));
        Assert.Contains($"not pushed: '{ssh}/ssh_host_ed25519_key'", stderr, StringComparison.Ordinal);
        Assert.Contains($"not pushed: '{tls}/server.pem'", stderr, StringComparison.Ordinal);
    }
}
