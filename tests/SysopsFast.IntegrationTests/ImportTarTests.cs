using System.Formats.Tar;
using SysopsFast.Format;
using StackExchange.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// issue 18 §4: `import -` reads a tar stream of a dump tree (as GNU `tar -C DIR -c .` writes it)
/// by the directory import's rules, into the same records; hostile entries are skipped and named
/// without a raw control character; a stream cut short is one line, after what came before it.
/// </summary>
public sealed class ImportTarTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IDisposable
{
    private const string Host = "h1.example.org";

    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-import-tar-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string Url(int db) => $"redis://{redis.Address}/{db}";

    /// <summary>Each record's key with what its header says of the file: md5, length, flags, mode, owner, size, mtime.</summary>
    private async Task<SortedDictionary<string, string>> RecordsAsync(int db)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var records = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in mux.GetServer(redis.Address).Keys(db, "*", pageSize: 1000).Select(k => k.ToString()).Where(k => !k.StartsWith('#')))
        {
            Assert.True(RecordHeader.TryRead((byte[])(await mux.GetDatabase(db).StringGetAsync(key))!, out var h, out var error), error);
            records[key] = $"{h.Md5:x} {h.RawLength} {h.Flags} {h.Stat}";
        }
        return records;
    }

    private async Task FlushAsync(int db)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address + ",allowAdmin=true");
        await mux.GetServer(redis.Address).FlushDatabaseAsync(db);
    }

    private static async Task Tar(params string[] args)
    {
        var (exit, _, stderr) = await CliProcessTests.RunProgram("tar", null, args);
        Assert.True(exit == 0, stderr);
    }

    /// <summary>The CLI with a shell pipe into its standard input (<paramref name="producer"/> | sysops-fast import - …).</summary>
    private static Task<(int Exit, string Stdout, string Stderr)> ImportFromPipe(string producer, params string[] args) =>
        CliProcessTests.RunProgram("sh", null, ["-c", $"{producer} | dotnet \"$0\" import - \"$@\"", Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll"), .. args]);

    /// <summary>
    /// A fleet as `fleet generate` writes it, dumped to a tree: importing the tree and piping GNU
    /// tar's stream of it give the same keys with the same contents and stat; so does the tree's
    /// pax archive given as a file. The default codec trains dictionaries on the stream's first hosts.
    /// </summary>
    [Fact]
    public async Task A_tar_stream_of_a_dump_tree_imports_the_same_records_as_the_directory()
    {
        var tree = Path.Combine(_work, "tree");
        Assert.Equal(0, (await CliProcessTests.Run("fleet", "generate", "--hosts", "120", "--server", Url(1))).Exit);
        Assert.Equal(0, (await CliProcessTests.Run("dump", tree, "--server", Url(1))).Exit);
        var (exit, _, stderr) = await CliProcessTests.Run("import", tree, "--server", Url(2));
        Assert.True(exit == 0, stderr);
        var fromDirectory = await RecordsAsync(2);
        Assert.Equal((await RecordsAsync(1)).Keys, fromDirectory.Keys);

        (exit, _, stderr) = await ImportFromPipe($"tar -C '{tree}' -c .", "--server", Url(3));
        Assert.True(exit == 0, stderr);
        Assert.Contains($"imported {fromDirectory.Count} objects of 120 hosts", stderr, StringComparison.Ordinal);
        Assert.Equal(fromDirectory, await RecordsAsync(3));
        await FlushAsync(3);

        var pax = Path.Combine(_work, "fleet.tar");
        await Tar("-C", tree, "--format=pax", "-cf", pax, ".");
        (exit, _, stderr) = await CliProcessTests.Run("import", pax, "--server", Url(3), "--codec", "lz4");
        Assert.True(exit == 0, stderr);
        Assert.Equal(fromDirectory, await RecordsAsync(3));
        foreach (var db in new[] { 1, 2, 3 })
        {
            await FlushAsync(db);
        }
    }

    /// <summary>Names over ustar's 100 bytes: GNU's long-name entries and pax's path records both give the full name.</summary>
    [Theory]
    [InlineData("gnu", 4)]
    [InlineData("pax", 5)]
    public async Task Long_names_of_GNU_and_pax_archives_are_read_whole(string format, int db)
    {
        var tree = Path.Combine(_work, "long");
        var deep = string.Join('/', Enumerable.Range(0, 6).Select(i => $"directory-{i}-" + new string('x', 30)));
        var dir = Directory.CreateDirectory(Path.Combine(tree, Host, "etc", deep)).FullName;
        File.WriteAllText(Path.Combine(dir, "file-with-a-long-name-" + new string('y', 120)), "deep\n");
        Assert.True($"./{Host}/etc/{deep}".Length > 200);
        var (exit, _, stderr) = await CliProcessTests.Run("import", tree, "--server", Url(db), "--codec", "lz4");
        Assert.True(exit == 0, stderr);
        var fromDirectory = await RecordsAsync(db);
        Assert.Single(fromDirectory);
        await FlushAsync(db);

        var archive = Path.Combine(_work, $"long.{format}.tar");
        await Tar("-C", tree, $"--format={format}", "-cf", archive, ".");
        (exit, _, stderr) = await CliProcessTests.Run("import", archive, "--server", Url(db), "--codec", "lz4");
        Assert.True(exit == 0, stderr);
        Assert.Equal(fromDirectory, await RecordsAsync(db));
        await FlushAsync(db);
    }

    /// <summary>
    /// An archive cut inside an entry's data, or cleanly between two entries (no end-of-archive
    /// block), or that is no tar at all: one line, exit 2, saying what was imported before it.
    /// </summary>
    [Theory]
    [InlineData("inside", 6)]
    [InlineData("boundary", 7)]
    [InlineData("garbage", 8)]
    public async Task A_truncated_or_corrupt_archive_is_one_line_after_what_came_before(string cut, int db)
    {
        var tree = Path.Combine(_work, "cut");
        for (var i = 0; i < 3; i++)
        {
            var etc = Directory.CreateDirectory(Path.Combine(tree, $"h{i}.example.org", "etc")).FullName;
            File.WriteAllText(Path.Combine(etc, "a"), "first\n");
            File.WriteAllBytes(Path.Combine(etc, "b"), [.. Enumerable.Repeat((byte)'b', 5000), (byte)'\n']);
        }
        var archive = Path.Combine(_work, "cut.tar");
        await Tar("-C", tree, "--sort=name", "-cf", archive, ".");
        var bytes = await File.ReadAllBytesAsync(archive);
        var end = Array.FindLastIndex(bytes, b => b != 0) + 1; // the last entry's data, before tar's zero blocks
        bytes = cut switch
        {
            "inside" => bytes[..(end - 1000)],
            "boundary" => bytes[..((end + 511) / 512 * 512)],
            _ => [.. bytes[..2048], .. Enumerable.Repeat((byte)'%', 4096)],
        };
        await File.WriteAllBytesAsync(archive, bytes);

        var (exit, _, stderr) = await ImportFromPipe($"cat '{archive}'", "--server", Url(db), "--codec", "lz4");
        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("sysops-fast: the tar stream is broken: ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        var imported = (await RecordsAsync(db)).Count;
        Assert.True(cut == "boundary" ? imported == 6 : imported < 6, $"{imported} records: {stderr}");
        Assert.Contains($" {imported} object(s) of ", stderr, StringComparison.Ordinal);
        await FlushAsync(db);
    }

    /// <summary>
    /// Every kind of entry the directory import does not read, and hostile names: only regular
    /// files of good hosts become records; each other entry is counted or named, never with a raw
    /// control character; the size cap holds for an entry as for a file.
    /// </summary>
    [Fact]
    public async Task Links_special_entries_and_hostile_names_are_never_stored()
    {
        var archive = Path.Combine(_work, "hostile.tar");
        var big = new byte[3 << 20];
        new Random(18).NextBytes(big);
        await using (var file = File.Create(archive))
        await using (var tar = new TarWriter(file, TarEntryFormat.Pax))
        {
            Entry(tar, TarEntryType.Directory, "./");
            Entry(tar, TarEntryType.Directory, $"./{Host}/");
            Entry(tar, TarEntryType.RegularFile, $"./{Host}/etc/ok", "regular\n"u8.ToArray());
            Entry(tar, TarEntryType.RegularFile, $"./{Host}/etc/big", big);
            Entry(tar, TarEntryType.SymbolicLink, $"./{Host}/etc/link", link: "/etc/shadow");
            Entry(tar, TarEntryType.HardLink, $"./{Host}/etc/hard", link: $"./{Host}/etc/ok");
            Entry(tar, TarEntryType.Fifo, $"./{Host}/etc/fifo");
            Entry(tar, TarEntryType.CharacterDevice, $"./{Host}/etc/zero");
            Entry(tar, TarEntryType.RegularFile, "../evil", "climbed\n"u8.ToArray());
            Entry(tar, TarEntryType.RegularFile, $"./{Host}/../../evil2", "climbed\n"u8.ToArray());
            Entry(tar, TarEntryType.RegularFile, "/etc/evil3", "absolute\n"u8.ToArray());
            Entry(tar, TarEntryType.RegularFile, "./\u001b[2Jbad\u001b]0;title\u0007/etc/x", "escape\n"u8.ToArray());
            Entry(tar, TarEntryType.RegularFile, "./bad#host/etc/x", "hash\n"u8.ToArray());
            Entry(tar, TarEntryType.RegularFile, $"./{Host}/etc/shadow", "root:$6$secret\n"u8.ToArray());
            Entry(tar, TarEntryType.RegularFile, $"./{Host}/etc/50%zz", "bad escape\n"u8.ToArray());
            Entry(tar, TarEntryType.RegularFile, "./README", "beside the hosts\n"u8.ToArray());
        }

        var run = await MeasuredCli.RunAsync("import", archive, "--server", Url(9), "--codec", "lz4", "--max-object-size", "1MiB", "--verbose");
        Assert.Equal(2, run.Exit);
        Assert.True(run.PeakRssKb < MeasuredCli.MaxRssKb, run.ToString());
        var records = await RecordsAsync(9);
        Assert.Equal([$"{Host}#/etc/big", $"{Host}#/etc/ok"], records.Keys);
        Assert.StartsWith($"{RecordEncoder.Md5Of(big):x} {big.Length} ", records[$"{Host}#/etc/big"], StringComparison.Ordinal);
        Assert.Contains(nameof(RecordFlags.Omitted), records[$"{Host}#/etc/big"], StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', run.Stderr);
        Assert.DoesNotContain('\u0007', run.Stderr);
        string[] named = ["etc/link: a symlink to /etc/shadow", "etc/hard: a hard link to", "etc/fifo: is a FIFO", "etc/zero: is a device", "../evil:", "../../evil2:", "/etc/evil3: an absolute path", "^[[2Jbad^[]0;title^G", "'bad#host' cannot be a host name", "etc/shadow: looks like a secret", "etc/50%zz: its path names no object"];
        foreach (var text in named.Append("imported 2 objects of 1 hosts"))
        {
            Assert.True(run.Stderr.Contains(text, StringComparison.Ordinal), $"'{text}' not in: {run.Stderr}");
        }
        Assert.DoesNotContain("README", run.Stderr, StringComparison.Ordinal);
        Assert.All(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.StartsWith("sysops-fast: ", l, StringComparison.Ordinal));

        // A secret is imported when allowed; links are never followed in a stream, and asking is one line.
        await FlushAsync(9);
        var (exit, _, stderr) = await CliProcessTests.Run("import", archive, "--server", Url(9), "--codec", "lz4", "--allow-sensitive");
        Assert.Equal(2, exit);
        Assert.Contains($"{Host}#/etc/shadow", (await RecordsAsync(9)).Keys);
        await FlushAsync(9);
        (exit, _, stderr) = await CliProcessTests.Run("import", archive, "--server", Url(9), "--follow-symlinks");
        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(await RecordsAsync(9));
    }

    private static void Entry(TarWriter tar, TarEntryType type, string name, byte[]? data = null, string? link = null)
    {
        var entry = new PaxTarEntry(type, name) { ModificationTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000) };
        if (link is not null)
        {
            entry.LinkName = link;
        }
        if (data is not null)
        {
            entry.DataStream = new MemoryStream(data);
        }
        tar.WriteEntry(entry);
    }

    /// <summary>Nothing on the pipe (an ssh that failed before tar ran) is no tar archive, not a fleet without hosts.</summary>
    [Fact]
    public async Task An_empty_stream_is_a_broken_archive_not_an_empty_fleet()
    {
        var (exit, _, stderr) = await ImportFromPipe("true", "--server", Url(10));
        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("end-of-archive", stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// Ctrl-C while the import waits for more of the stream (an ssh that stalls), both while the
    /// first hosts are held for dictionary training and after: it ends, exit 130, one line at most.
    /// </summary>
    [Theory]
    [InlineData("zstd-dictionary", 11)]
    [InlineData("lz4", 12)]
    public async Task Ctrl_C_ends_an_import_waiting_on_a_stalled_stream(string codec, int db)
    {
        var tree = Path.Combine(_work, "stall");
        for (var i = 0; i < 150; i++)
        {
            var etc = Directory.CreateDirectory(Path.Combine(tree, $"h{i}.example.org", "etc")).FullName;
            File.WriteAllText(Path.Combine(etc, "a"), new string((char)('a' + (i % 26)), 3000));
        }
        var archive = Path.Combine(_work, "stall.tar");
        await Tar("-C", tree, "-cf", archive, ".");
        var start = InterruptibleCommand.Start("dotnet", Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll"), "import", "-", "--server", Url(db), "--codec", codec);
        start.RedirectStandardInput = start.RedirectStandardOutput = start.RedirectStandardError = true;
        using var import = System.Diagnostics.Process.Start(start)!;
        var stderr = import.StandardError.ReadToEndAsync();
        try
        {
            // More than a pipe holds: once written, the import is reading, and then waits for the rest.
            await import.StandardInput.BaseStream.WriteAsync((await File.ReadAllBytesAsync(archive)).AsMemory(0, 300_000));
            await import.StandardInput.BaseStream.FlushAsync();
            await Task.Delay(500);
            if (import.HasExited)
            {
                Assert.Fail($"exited {import.ExitCode} before the signal: {await stderr}");
            }
            using (var kill = System.Diagnostics.Process.Start("kill", ["-INT", import.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await import.WaitForExitAsync(timeout.Token);
            Assert.Equal(130, import.ExitCode);
            var said = await stderr;
            Assert.True(said.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length <= 1, said);
            Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);
        }
        finally
        {
            if (!import.HasExited)
            {
                import.Kill();
            }
        }
        await FlushAsync(db);
    }
}
