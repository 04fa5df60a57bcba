using SysopsFast.Format;
using StackExchange.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// issue 16 §1: `import DIR` reads regular files of DIR only: a symlink out of DIR (to a stand-in
/// for /etc/shadow) is never stored, a FIFO or a link to /dev/zero neither hangs it nor grows its
/// memory, and a file over the cap is stored header-only, as push stores it.
/// </summary>
public sealed class ImportFileSafetyTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IDisposable
{
    private const string Host = "h9.example.org";

    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-import-safety-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    /// <summary>DIR with one host holding a regular file etc/ok, and its etc directory.</summary>
    private (string Tree, string Etc) MakeTree()
    {
        var tree = Path.Combine(_work, "tree");
        var etc = Directory.CreateDirectory(Path.Combine(tree, Host, "etc")).FullName;
        File.WriteAllText(Path.Combine(etc, "ok"), "regular\n");
        return (tree, etc);
    }

    private async Task<List<string>> KeysAsync(int db)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        return [.. mux.GetServer(redis.Address).Keys(db, Host + "#*").Select(k => k.ToString()).Order(StringComparer.Ordinal)];
    }

    private async Task FlushAsync(int db)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address + ",allowAdmin=true");
        await mux.GetServer(redis.Address).FlushDatabaseAsync(db);
    }

    [Fact]
    public async Task A_symlink_out_of_DIR_is_never_stored_and_is_counted()
    {
        var (tree, etc) = MakeTree();
        var secret = Path.Combine(_work, "secret");
        File.WriteAllText(secret, "root:$6$stand-in-for-etc-shadow\n");
        var link = Path.Combine(etc, "foo");
        File.CreateSymbolicLink(link, secret);
        var url = $"redis://{redis.Address}/3";

        var (exit, _, stderr) = await CliProcessTests.Run("import", tree, "--server", url, "--codec", "lz4");
        Assert.True(exit == 0, stderr);
        Assert.Equal([$"{Host}#/etc/ok"], await KeysAsync(3));
        Assert.Contains("1 symlink", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(link, stderr, StringComparison.Ordinal);

        (exit, _, stderr) = await CliProcessTests.Run("import", tree, "--server", url, "--codec", "lz4", "--verbose");
        Assert.True(exit == 0, stderr);
        Assert.Contains(link, stderr, StringComparison.Ordinal);

        // Followed on request, but only where the fully resolved target stays inside DIR.
        File.CreateSymbolicLink(Path.Combine(etc, "alias"), "../etc/ok");
        Directory.CreateSymbolicLink(Path.Combine(tree, Host, "up"), _work);
        await FlushAsync(3);
        (exit, _, stderr) = await CliProcessTests.Run("import", tree, "--server", url, "--codec", "lz4", "--follow-symlinks", "--verbose");
        Assert.True(exit == 0, stderr);
        Assert.Equal([$"{Host}#/etc/alias", $"{Host}#/etc/ok"], await KeysAsync(3));
        Assert.Contains(link, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("stand-in", string.Join("", await KeysAsync(3)), StringComparison.Ordinal);
    }

    /// <summary>A FIFO would block the open; /dev/zero never ends: both are skipped, at once, in bounded memory.</summary>
    [Theory]
    [InlineData("fifo", false)]
    [InlineData("zero", false)]
    [InlineData("zero", true)]
    public async Task A_fifo_or_a_link_to_dev_zero_is_skipped_promptly_in_bounded_memory(string kind, bool follow)
    {
        var (tree, etc) = MakeTree();
        var special = Path.Combine(etc, kind);
        if (kind == "fifo")
        {
            Assert.Equal(0, (await CliProcessTests.RunProgram("mkfifo", null, special)).Exit);
        }
        else
        {
            File.CreateSymbolicLink(special, "/dev/zero");
        }
        var db = follow ? 5 : 4;
        var run = await MeasuredCli.RunAsync(["import", tree, "--server", $"redis://{redis.Address}/{db}", "--verbose", .. follow ? new[] { "--follow-symlinks" } : []]);
        Assert.True(run.Exit == 0, run.ToString());
        Assert.True(run.PeakRssKb < MeasuredCli.MaxRssKb, run.ToString());
        Assert.Contains(special, run.Stderr, StringComparison.Ordinal);
        Assert.Equal([$"{Host}#/etc/ok"], await KeysAsync(db));
        await FlushAsync(db);
    }

    [Fact]
    public async Task A_file_over_the_cap_is_stored_header_only_with_the_omitted_flag()
    {
        var (tree, etc) = MakeTree();
        var contents = new byte[3 << 20];
        new Random(16).NextBytes(contents);
        File.WriteAllBytes(Path.Combine(etc, "big"), contents);
        var url = $"redis://{redis.Address}/6";

        var (exit, _, stderr) = await CliProcessTests.Run("import", tree, "--server", url, "--codec", "lz4", "--max-object-size", "1MiB");
        Assert.True(exit == 0, stderr);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var record = (byte[])(await mux.GetDatabase(6).StringGetAsync($"{Host}#/etc/big"))!;
        Assert.Equal(RecordHeader.Size, record.Length);
        Assert.True(RecordHeader.TryRead(record, out var header, out var error), error);
        Assert.True(header.Flags.HasFlag(RecordFlags.Omitted));
        Assert.Equal(contents.Length, header.RawLength);
        Assert.Equal(RecordEncoder.Md5Of(contents), header.Md5);
        Assert.Equal(contents.Length, header.Stat.Size);

        (exit, _, stderr) = await CliProcessTests.Run("import", tree, "--server", url, "--max-object-size", "1T");
        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        await FlushAsync(6);
    }

    /// <summary>A 400 MB file with the default 10 MiB cap: never read whole into memory (issue 16: "before the cap check").</summary>
    [Fact]
    public async Task A_large_file_is_never_held_whole_in_memory()
    {
        var (tree, etc) = MakeTree();
        using (var big = File.Create(Path.Combine(etc, "sparse")))
        {
            big.SetLength(400L << 20);
        }
        var run = await MeasuredCli.RunAsync("import", tree, "--server", $"redis://{redis.Address}/7");
        Assert.True(run.Exit == 0, run.ToString());
        Assert.True(run.PeakRssKb < MeasuredCli.MaxRssKb, run.ToString());
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        Assert.True(RecordHeader.TryRead((byte[])(await mux.GetDatabase(7).StringGetAsync($"{Host}#/etc/sparse"))!, out var header, out var error), error);
        Assert.True(header.Flags.HasFlag(RecordFlags.Omitted));
        Assert.Equal(400L << 20, header.RawLength);
        using var zeros = new ContentCounter();
        var block = new byte[1 << 20];
        for (var i = 0; i < 400; i++)
        {
            zeros.Add(block);
        }
        Assert.Equal(zeros.Complete().Md5, header.Md5);
        await FlushAsync(7);
    }
}
