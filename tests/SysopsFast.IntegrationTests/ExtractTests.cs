using System.Globalization;
using System.Security.Cryptography;
using SysopsFast.Cli;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// <c>extract</c>: each of the original extract_sysops_cache.py's options becomes the modern command
/// docs/OPTIONS.md says (the rewriting), and the rewritten command prints the original's texts
/// against a real redis-server (the process).
/// </summary>
public sealed class ExtractTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-extract-").FullName;
    private string Server => $"redis://{redis.Address}/12";

    [Theory]
    [InlineData("--search sysctl", "search sysctl --original-layout --scope local")]
    [InlineData("--search=sysctl", "search sysctl --original-layout --scope local")]
    [InlineData("--search sysctl --contents", "search sysctl --original-layout --contents --scope local")]
    [InlineData("--search sysctl --md5sum --prefix-hostnames", "search sysctl --original-layout --md5sum -H --scope local")]
    [InlineData("--search sysctl --stat", "search sysctl --original-layout --stat --scope local")]
    [InlineData("--search sysctl --wordcount", "search sysctl --original-layout --wordcount --scope local")]
    [InlineData("--search sysctl --time", "search sysctl --original-layout --time --scope local")]
    [InlineData("--search sysctl --time --time-human", "search sysctl --original-layout --time-human --scope local")]
    [InlineData("--search sysctl --time-updated", "search sysctl --original-layout --time-updated --scope local")]
    [InlineData("--list-files", "list-files *#* --original-layout --scope local")]
    [InlineData("--info", "info --original-layout --scope local")]
    [InlineData("--info --prefix-hostnames", "info --original-layout -H --scope local")]
    [InlineData("--search web1#/etc/hosts --compare hosts", "compare web1#/etc/hosts hosts --scope local")]
    [InlineData("--search web1#/etc/hosts --compare hosts --md5sum", "compare web1#/etc/hosts hosts --md5sum --scope local")]
    [InlineData("--search sysctl.conf --compare-all", "compare-all sysctl.conf --scope local")]
    [InlineData("--search sysctl.conf --compare-all --hostlist", "compare-all sysctl.conf --hostlist --scope local")]
    [InlineData("--search x --scope global", "search x --original-layout --scope global")]
    [InlineData("--search x --scope site --site eat1", "search x --original-layout --site eat1 --scope site")]
    [InlineData("--search x --site eat1", "search x --original-layout --site eat1 --scope site")]
    [InlineData("--search x --range-query %web --range-servers r1:80,r2:80", "search x --original-layout --scope global --range-query %web --range-server r1:80")]
    [InlineData("--search x --scope site --range-query %web", "search x --original-layout --scope site --range-query %web")]
    [InlineData("--search x --file hosts.txt", "search x --original-layout --scope local --hosts hosts.txt")]
    [InlineData("--search x --file -", "search x --original-layout --scope local --hosts -")]
    [InlineData("--search x --no-load-balance", "search x --original-layout --scope local --no-load-balance")]
    [InlineData("--search x --cost", "search x --original-layout --scope local --cost")]
    [InlineData("--search x --server 127.0.0.1:6379 --json", "search x --original-layout --scope local --server 127.0.0.1:6379 --json")]
    public void Each_original_option_becomes_its_modern_equivalent(string original, string modern) =>
        Assert.Equal(modern.Split(' '), ExtractTranslator.Translate(original.Split(' ')));

    [Theory]
    [InlineData("--md5sum", "give --search, --list-files or --info")]
    [InlineData("--compare x", "--compare and --compare-all need --search")]
    [InlineData("--compare-all", "--compare and --compare-all need --search")]
    [InlineData("--search x --compare y --compare-all", "cannot be combined")]
    [InlineData("--search x --hostlist", "--hostlist needs --compare-all")]
    [InlineData("--search x --time-human --time-updated", "pick one")]
    [InlineData("--search x --md5sum --stat", "pick one")]
    [InlineData("--search x --contents --time-human", "pick one")]
    [InlineData("--search x --scope planet", "--scope must be local, site or global")]
    [InlineData("--search", "--search needs a value")]
    public void The_originals_usage_rules_hold(string original, string message)
    {
        var e = Assert.Throws<SysopsFastException>(() => ExtractTranslator.Translate(original.Split(' ')));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    private static readonly string[] Hosts = ["db0.example.org", "db1.example.org", "db2.example.org"];

    public async Task InitializeAsync()
    {
        var root = Path.Combine(_work, "tree");
        for (var i = 0; i < Hosts.Length; i++)
        {
            var etc = Path.Combine(root, Hosts[i], "etc");
            Directory.CreateDirectory(etc);
            await File.WriteAllTextAsync(Path.Combine(etc, "sysctl.conf"), i == 2 ? "vm.swappiness = 10\nnet.core.somaxconn = 1024\n" : "vm.swappiness = 10\n");
            await File.WriteAllTextAsync(Path.Combine(etc, "hosts"), $"127.0.0.1 localhost\n10.0.0.{i} {Hosts[i]}\n");
        }
        await FleetImporter.ImportAsync(root, ServerAddress.Parse(Server), PayloadCodec.Lz4, TimeSpan.FromHours(1), CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    private Task<(int Exit, string Stdout, string Stderr)> Extract(params string[] args) =>
        CliProcessTests.Run(["extract", .. args, "--server", Server]);

    private string File_(string host, string name) => Path.Combine(_work, "tree", host, "etc", name);

    [Fact]
    public async Task Search_lists_sorted_keys_and_md5sum_prefix_hostnames_pads_keys_to_100_columns()
    {
        var (exit, stdout, stderr) = await Extract("--search", "/etc/hosts");
        Assert.True(exit == 0, stderr);
        Assert.Equal(string.Concat(Hosts.Select(h => h + "#/etc/hosts\n")), stdout);

        (exit, stdout, stderr) = await Extract("--search", "/etc/hosts", "--md5sum", "--prefix-hostnames");
        Assert.True(exit == 0, stderr);
        var expected = Hosts.Select(h => (h + "#/etc/hosts").PadRight(100) + Convert.ToHexStringLower(MD5.HashData(File.ReadAllBytes(File_(h, "hosts")))) + "\n");
        Assert.Equal(string.Concat(expected), stdout);
    }

    [Fact]
    public async Task Stat_and_wordcount_print_the_originals_python_strings()
    {
        var (exit, stdout, stderr) = await Extract("--search", "db0.example.org#/etc/hosts", "--stat");
        Assert.True(exit == 0, stderr);
        var info = new FileInfo(File_("db0.example.org", "hosts"));
        var mtime = new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeSeconds();
        Assert.Matches(string.Create(CultureInfo.InvariantCulture, $@"^posix\.stat_result\(st_mode={0x8000 | (int)info.UnixFileMode}, st_ino=0, st_dev=0, st_nlink=1, st_uid=\d+, st_gid=\d+, st_size={info.Length}, st_atime={mtime}, st_mtime={mtime}, st_ctime={mtime}\)\n$"), stdout);

        (exit, stdout, _) = await Extract("--search", "db0.example.org#/etc/hosts", "--wordcount");
        Assert.Equal(0, exit);
        Assert.Equal($"('Number of characters: {info.Length}', 'Number of lines: 3', 'Number of words: 4')\n", stdout);
    }

    [Fact]
    public async Task Contents_are_stripped_and_time_prints_seconds()
    {
        var (exit, stdout, _) = await Extract("--search", "db1.example.org#/etc/hosts", "--contents");
        Assert.Equal(0, exit);
        Assert.Equal("127.0.0.1 localhost\n10.0.0.1 db1.example.org\n", stdout);

        (exit, stdout, _) = await Extract("--search", "db1.example.org#/etc/hosts", "--time");
        Assert.Equal(0, exit);
        var seconds = double.Parse(stdout.Trim(), CultureInfo.InvariantCulture);
        Assert.InRange(seconds, DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);

        (exit, stdout, _) = await Extract("--search", "db1.example.org#/etc/hosts", "--time-updated", "--prefix-hostnames");
        Assert.Equal(0, exit);
        Assert.Matches(@"^db1\.example\.org#/etc/hosts +0:0\d:\d\d\n$", stdout);
    }

    [Fact]
    public async Task List_files_prints_files_lines_and_info_prints_every_field()
    {
        var (exit, stdout, _) = await Extract("--list-files");
        Assert.Equal(0, exit);
        Assert.Equal("files#/etc/hosts\nfiles#/etc/sysctl.conf\n", stdout);

        (exit, stdout, _) = await Extract("--info");
        Assert.Equal(0, exit);
        Assert.Matches(@"(?m)^redis_version {37}\d+\.\d+\.\d+$", stdout);
    }

    [Fact]
    public async Task Compare_and_compare_all_answer_through_the_modern_commands()
    {
        var (exit, stdout, stderr) = await Extract("--search", "db0.example.org#/etc/sysctl.conf", "--compare", "sysctl.conf");
        Assert.True(exit == 0, stderr);
        Assert.Contains("contents of db0.example.org#/etc/sysctl.conf and db1.example.org#/etc/sysctl.conf are identical\n", stdout, StringComparison.Ordinal);
        Assert.Contains("--- db0.example.org#/etc/sysctl.conf\n+++ db2.example.org#/etc/sysctl.conf\n@@ -1 +1,2 @@\n vm.swappiness = 10\n+net.core.somaxconn = 1024\n", stdout, StringComparison.Ordinal);

        (exit, stdout, stderr) = await Extract("--search", "sysctl.conf", "--compare-all", "--hostlist");
        Assert.True(exit == 0, stderr);
        Assert.StartsWith("majority: 2 keys with md5 ", stdout, StringComparison.Ordinal);
        Assert.Contains("  db0.example.org#/etc/sysctl.conf\n  db1.example.org#/etc/sysctl.conf\ngroup 2 of 2: 1 key with md5 ", stdout, StringComparison.Ordinal);
        Assert.EndsWith("+net.core.somaxconn = 1024\n", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exit_codes_are_0_found_1_nothing_2_usage()
    {
        Assert.Equal(1, (await Extract("--search", "no-such-object")).Exit);
        var (exit, _, stderr) = await Extract("--search", "x", "--md5sum", "--stat");
        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        (exit, _, stderr) = await Extract("--search", "hosts", "--compare", "sysctl.conf");
        Assert.Equal(2, exit); // the --search side must name exactly one object
        Assert.Contains("matches 3 objects", stderr, StringComparison.Ordinal);
    }
}
