using StackExchange.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// <c>dump DIR</c> into a directory someone else prepared: links planted in it are never written
/// through, and a key that cannot be written (a link or a file on its way, a name clash in its host)
/// is named and skipped while every other key is written; the exit status is 2.
/// </summary>
public sealed class DumpTargetTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-dump-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private async Task PutAsync(int db, params (string Host, string Name)[] objects)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        foreach (var (host, name) in objects)
        {
            await QueryFleet.PutAsync(mux.GetDatabase(db), host, name, System.Text.Encoding.UTF8.GetBytes($"{host} {name}\n"));
        }
    }

    private Task<(int Exit, string Stdout, string Stderr)> DumpAsync(int db, string dir) =>
        CliProcessTests.Run("dump", dir, "--server", $"redis://{redis.Address}/{db}");

    [Fact]
    public async Task Links_planted_in_the_target_are_not_written_through()
    {
        await PutAsync(2, ("h1.example.org", "/etc/ok"), ("h2.example.org", "cmd/greeting"), ("h3.example.org", "/etc/passwd"), ("h4.example.org", "/etc/hosts"));
        var victim = Path.Combine(_work, "victim");
        File.WriteAllText(victim, "untouched\n");
        var victimDir = Directory.CreateDirectory(Path.Combine(_work, "victim-dir")).FullName;
        var dir = Path.Combine(_work, "out");
        // A file link where a file goes, a directory link on the way, a host directory that is a link.
        Directory.CreateDirectory(Path.Combine(dir, "h2.example.org", "#cmd"));
        File.CreateSymbolicLink(Path.Combine(dir, "h2.example.org", "#cmd", "greeting"), victim);
        Directory.CreateDirectory(Path.Combine(dir, "h3.example.org"));
        Directory.CreateSymbolicLink(Path.Combine(dir, "h3.example.org", "etc"), victimDir);
        Directory.CreateSymbolicLink(Path.Combine(dir, "h4.example.org"), victimDir);

        var (exit, _, stderr) = await DumpAsync(2, dir);

        Assert.Equal("untouched\n", File.ReadAllText(victim));
        Assert.Empty(Directory.EnumerateFileSystemEntries(victimDir));
        Assert.Equal(2, exit);
        Assert.Contains("'h3.example.org#/etc/passwd'", stderr, StringComparison.Ordinal);
        Assert.Contains("'h4.example.org#/etc/hosts'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("check free space", stderr, StringComparison.Ordinal);
        Assert.Equal("h1.example.org /etc/ok\n", File.ReadAllText(Path.Combine(dir, "h1.example.org", "etc", "ok")));
        // The planted link itself is replaced by the object: the name is the dump's, the file it led to is not.
        var greeting = Path.Combine(dir, "h2.example.org", "#cmd", "greeting");
        Assert.Null(new FileInfo(greeting).LinkTarget);
        Assert.Equal("h2.example.org cmd/greeting\n", File.ReadAllText(greeting));
    }

    [Fact]
    public async Task A_name_clash_in_one_host_skips_that_key_and_writes_every_other()
    {
        await PutAsync(3, ("h1.example.org", "/etc"), ("h1.example.org", "/etc/passwd"), ("h1.example.org", "/var/log"), ("h2.example.org", "/etc/passwd"), ("h3.example.org", "cmd/x"));
        var dir = Path.Combine(_work, "clash");

        var (exit, _, stderr) = await DumpAsync(3, dir);

        Assert.Equal(2, exit);
        Assert.DoesNotContain("check free space", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        // Whichever of the two came second is named and skipped; the first is written.
        var etcIsFile = File.Exists(Path.Combine(dir, "h1.example.org", "etc"));
        Assert.Contains(etcIsFile ? "'h1.example.org#/etc/passwd'" : "'h1.example.org#/etc'", stderr, StringComparison.Ordinal);
        Assert.True(etcIsFile || File.Exists(Path.Combine(dir, "h1.example.org", "etc", "passwd")));
        Assert.Equal("h1.example.org /var/log\n", File.ReadAllText(Path.Combine(dir, "h1.example.org", "var", "log")));
        Assert.Equal("h2.example.org /etc/passwd\n", File.ReadAllText(Path.Combine(dir, "h2.example.org", "etc", "passwd")));
        Assert.Equal("h3.example.org cmd/x\n", File.ReadAllText(Path.Combine(dir, "h3.example.org", "#cmd", "x")));
        Assert.Contains("wrote 4 files", stderr, StringComparison.Ordinal);
        // No temporary file is left behind by the key that failed.
        Assert.Equal(4, Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Count());
    }
}
