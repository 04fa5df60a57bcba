using StackExchange.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// Secrets never reach the store: push leaves out (and never reads) what the deny-list names;
/// import refuses it, writing nothing, unless --allow-sensitive.
/// </summary>
public sealed class SensitiveObjectsTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-secret-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Push_leaves_out_private_keys_and_shadow_files_and_says_so()
    {
        var outgoing = Directory.CreateDirectory(Path.Combine(_work, "out")).FullName;
        var secrets = Directory.CreateDirectory(Path.Combine(_work, "home", ".ssh")).FullName;
        await File.WriteAllTextAsync(Path.Combine(secrets, "id_rsa"), "-----BEGIN OPENSSH PRIVATE KEY-----\n");
        File.CreateSymbolicLink(Path.Combine(outgoing, "ssh-key"), Path.Combine(secrets, "id_rsa"));
        await File.WriteAllTextAsync(Path.Combine(outgoing, "server.key"), "-----BEGIN PRIVATE KEY-----\n");
        await File.WriteAllTextAsync(Path.Combine(outgoing, "uname-a"), "Linux\n");
        var url = $"redis://{redis.Address}/6";
        var (exit, stdout, stderr) = await CliProcessTests.Run("push", "--dir", outgoing, "--hostname", "s.example.org", "--ledger", Path.Combine(_work, "ledger"), "--server", url);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("1 written", stdout, StringComparison.Ordinal);
        Assert.Contains($"not pushed: '{Path.Combine(secrets, "id_rsa")}' looks like a secret", stderr, StringComparison.Ordinal);
        Assert.Contains("not pushed: 'cmd/server.key' looks like a secret", stderr, StringComparison.Ordinal);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var keys = mux.GetServer(redis.Address).Keys(6, "s.example.org#*").Select(k => k.ToString()).ToList();
        Assert.Equal(["s.example.org#cmd/uname-a"], keys);
    }

    [Fact]
    public async Task Import_refuses_secrets_unless_allowed_and_writes_nothing_when_it_refuses()
    {
        var tree = Path.Combine(_work, "tree");
        Directory.CreateDirectory(Path.Combine(tree, "a.example.org", "etc"));
        await File.WriteAllTextAsync(Path.Combine(tree, "a.example.org", "etc", "passwd"), "root:x:0:0::/root:/bin/sh\n");
        await File.WriteAllTextAsync(Path.Combine(tree, "a.example.org", "etc", "shadow"), "root:$6$hash:19000::::::\n");
        var url = $"redis://{redis.Address}/7";
        var (exit, _, stderr) = await CliProcessTests.Run("import", tree, "--server", url);
        Assert.Equal(2, exit);
        Assert.Contains("a.example.org#/etc/shadow", stderr, StringComparison.Ordinal);
        Assert.Contains("(--allow-sensitive)", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        Assert.Empty(mux.GetServer(redis.Address).Keys(7, "*"));

        (exit, _, stderr) = await CliProcessTests.Run("import", tree, "--server", url, "--allow-sensitive");
        Assert.True(exit == 0, stderr);
        Assert.True(await mux.GetDatabase(7).KeyExistsAsync("a.example.org#/etc/shadow"));
    }
}
