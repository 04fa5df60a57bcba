using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Redis;
using StackExchange.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

public sealed class ImportDumpTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-test-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private ServerAddress Server(int db) => ServerAddress.Parse($"redis://{redis.Address}/{db}");

    /// <summary>A hand-made tree the generator did not write: the grep answer must come from these files.</summary>
    private string MakeTree()
    {
        var root = Path.Combine(_work, "in");
        var budgets = new[] { 300, 300, 600, 300, 450 };
        for (var i = 0; i < budgets.Length; i++)
        {
            var host = Path.Combine(root, $"db{i}.example.org");
            Directory.CreateDirectory(Path.Combine(host, "cmd"));
            Directory.CreateDirectory(Path.Combine(host, "etc"));
            File.WriteAllText(Path.Combine(host, "cmd", "sysctl-a"), $"kernel.hostname = db{i}\nnet.core.netdev_budget = {budgets[i]}\nnet.core.netdev_budget_usecs = 2000\n");
            File.WriteAllText(Path.Combine(host, "etc", "resolv.conf"), "nameserver 192.0.2.53\n");
            File.WriteAllBytes(Path.Combine(host, "etc", "binary.db"), [0, 1, 2, 255, 10, 13, 0]);
        }
        File.SetUnixFileMode(Path.Combine(root, "db0.example.org", "etc", "resolv.conf"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        return root;
    }

    [Fact]
    public async Task Imported_tree_answers_grep_uniq_and_dumps_back_identical()
    {
        var tree = MakeTree();
        var imported = await FleetImporter.ImportAsync(tree, Server(6), PayloadCodec.Lz4, TimeSpan.FromHours(1), CancellationToken.None);
        Assert.Equal(5, imported.Hosts);
        Assert.Equal(15, imported.Objects);

        await using var query = new FleetQuery([Server(6)]);
        var (counts, _) = await query.GrepUniqAsync(new GrepRequest("sysctl-a", "net.core.netdev_budget"));
        Assert.Equal(
            [new UniqCount("net.core.netdev_budget_usecs = 2000", 5), new UniqCount("net.core.netdev_budget = 300", 3), new UniqCount("net.core.netdev_budget = 450", 1), new UniqCount("net.core.netdev_budget = 600", 1)],
            counts);

        var outDir = Path.Combine(_work, "out");
        var dumper = new FleetDumper(outDir);
        var summary = await query.RunAsync("*#*", dumper);
        Assert.Empty(dumper.Refused);
        Assert.Equal(15, dumper.Files);
        foreach (var file in Directory.EnumerateFiles(tree, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(outDir, Path.GetRelativePath(tree, file));
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(copy));
            Assert.Equal(File.GetUnixFileMode(file), File.GetUnixFileMode(copy));
            Assert.Equal(File.GetLastWriteTimeUtc(file).Ticks / TimeSpan.TicksPerSecond, File.GetLastWriteTimeUtc(copy).Ticks / TimeSpan.TicksPerSecond);
        }
        Assert.Equal(15, Directory.EnumerateFiles(outDir, "*", SearchOption.AllDirectories).Count());
    }

    [Fact]
    public async Task Imported_files_carry_their_owner()
    {
        var host = Path.Combine(_work, "owners", "h1.example.org");
        Directory.CreateDirectory(Path.Combine(host, "etc"));
        var file = Path.Combine(host, "etc", "owned");
        File.WriteAllText(file, "owned\n");
        File.CreateSymbolicLink(Path.Combine(host, "etc", "link"), file);
        if (Run("stat", "-c", "%u", file) == "0")
        {
            // As root the file is given an owner that no default would produce.
            Run("chown", "1234:5678", file);
        }
        var uid = uint.Parse(Run("stat", "-c", "%u", file), System.Globalization.CultureInfo.InvariantCulture);
        var gid = uint.Parse(Run("stat", "-c", "%g", file), System.Globalization.CultureInfo.InvariantCulture);

        await FleetImporter.ImportAsync(Path.Combine(_work, "owners"), Server(8), PayloadCodec.Lz4, TimeSpan.FromHours(1), CancellationToken.None, new ImportOptions(FollowSymlinks: true));

        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        foreach (var key in new[] { "h1.example.org#/etc/owned", "h1.example.org#/etc/link" })
        {
            Assert.True(RecordHeader.TryRead((byte[])(await mux.GetDatabase(8).StringGetAsync(key))!, out var header, out var error), error);
            Assert.Equal((uid, gid), (header.Stat.Uid, header.Stat.Gid)); // a link records the file it leads to
        }
    }

    private static string Run(string program, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }

    /// <summary>A host directory named 'evil#host' would write 'evil#host#/etc/x', which readers split into another host and object.</summary>
    [Theory]
    [InlineData("evil#host")]
    [InlineData("#")]
    [InlineData(" ")]
    public async Task Import_refuses_a_host_directory_that_cannot_be_a_host_name(string name)
    {
        var root = Path.Combine(_work, "bad-host");
        foreach (var host in new[] { "good.example.org", name })
        {
            Directory.CreateDirectory(Path.Combine(root, host, "etc"));
            File.WriteAllText(Path.Combine(root, host, "etc", "x"), "contents\n");
        }
        var (exit, _, stderr) = await CliProcessTests.Run("import", root, "--server", $"redis://{redis.Address}/14", "--codec", "lz4");
        Assert.Equal(2, exit);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"'{name}'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        // Refused before anything is written.
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        Assert.Equal(0, await mux.GetServers()[0].DatabaseSizeAsync(14));
    }

    /// <summary>
    /// The writer fails (the server is out of memory) while producers still encode records: they
    /// must stop with it, not go on drawing items and then wait forever on a channel nobody reads.
    /// </summary>
    [Fact]
    public async Task A_writer_failure_stops_the_uploads_producers()
    {
        await using var full = await RedisProcess.StartAsync("--maxmemory", "1");
        var items = new EndlessItems();
        var value = new byte[256 * 1024];
        await Assert.ThrowsAsync<SysopsFastException>(() =>
            ParallelUploader.RunAsync(ServerAddress.Parse(full.Address), items, i => new UploadRecord($"h{i}.example.org#/big", value), null, CancellationToken.None));
        // The producers did run (it is not an upload that never started)...
        Assert.True(items.Drawn > 0, "no item was drawn");
        // ...and, when the call returns, every one of them has stopped: no producer is still inside
        // the source, and the source was let go. Neither depends on how long anyone waits.
        Assert.Equal(0, items.Inside);
        Assert.True(items.Disposed, "the source was still in use when the upload returned");
        Assert.False(items.DrawnAfterDispose);
    }

    /// <summary>Items without end, a few milliseconds each; counts what was drawn, who is drawing, and whether anything was after Dispose.</summary>
    private sealed class EndlessItems : IEnumerable<int>, IEnumerator<int>
    {
        private int _drawn;
        private int _inside;
        private volatile bool _disposed;

        public int Drawn => Volatile.Read(ref _drawn);

        /// <summary>Callers inside <see cref="MoveNext"/> right now.</summary>
        public int Inside => Volatile.Read(ref _inside);

        public bool Disposed => _disposed;

        public bool DrawnAfterDispose { get; private set; }

        public int Current { get; private set; }

        object System.Collections.IEnumerator.Current => Current;

        public bool MoveNext()
        {
            Interlocked.Increment(ref _inside);
            DrawnAfterDispose |= _disposed;
            Thread.Sleep(2);
            Current = Interlocked.Increment(ref _drawn);
            Interlocked.Decrement(ref _inside);
            return true;
        }

        public void Reset() { }

        public void Dispose() => _disposed = true;

        public IEnumerator<int> GetEnumerator() => this;

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => this;
    }

    /// <summary>
    /// dump → import gives back the same keys (ObjectPath: absolute and relative names never share a
    /// file, odd characters are escaped), contents, mode and mtime; through the real CLI.
    /// </summary>
    [Fact]
    public async Task Dump_then_import_gives_back_the_same_keys_for_every_kind_of_name()
    {
        string[] names =
        [
            "/etc/passwd", "cmd/sysctl-a", "/cmd/sysctl-a", "agent/command-status", "sysctl -a", "/etc/a#b", "#hash",
            "/tmp/new\nline", "cmd/new\nline", "/var/50%", "/var/%25", "cmd/%2F", "/root/.bashrc", ".hidden", "/x/...",
            "/back\\slash", "/日本/é", "cmd/tab\there", "/etc/has space/x y", "cmd/deep/er/name", "/etc/hardware_identification.json@lldp-xml",
        ];
        var stat = new FileStat(0x8000 | 416 /* 0640 */, 0, 0, 0, QueryFleet.Mtime);
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            foreach (var host in new[] { "rt1.example.org", "rt2.example.org" })
            {
                foreach (var name in names)
                {
                    await QueryFleet.PutAsync(mux.GetDatabase(11), host, name, System.Text.Encoding.UTF8.GetBytes($"{host} {name}\n"), stat);
                }
            }
        }
        var tree = Path.Combine(_work, "round-trip");
        var dump = await CliProcessTests.Run("dump", tree, "--server", Server(11).ToString());
        Assert.True(dump.Exit == 0, dump.Stderr);
        Assert.True(File.Exists(Path.Combine(tree, "rt1.example.org", "#cmd", "sysctl-a")));
        Assert.True(File.Exists(Path.Combine(tree, "rt1.example.org", "cmd", "sysctl-a")));
        var import = await CliProcessTests.Run("import", tree, "--server", Server(12).ToString(), "--codec", "lz4");
        Assert.True(import.Exit == 0, import.Stderr);

        await using var query = new FleetQuery([Server(12)]);
        var records = await query.FetchAsync(names.SelectMany(n => new[] { "rt1.example.org", "rt2.example.org" }.Select(h => ObjectKey.Make(h, n))));
        Assert.Equal(names.Length * 2, records.Items.Count);
        foreach (var r in records.Items)
        {
            var (host, name) = ObjectKey.Split(r.Key);
            Assert.Equal($"{host} {name}\n", System.Text.Encoding.UTF8.GetString(r.Contents));
            Assert.Equal((stat.Mode, stat.MtimeUnixSeconds), (r.Header.Stat.Mode, r.Header.Stat.MtimeUnixSeconds));
        }
        await using var mux2 = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        Assert.Equal(names.Length * 2, mux2.GetServer(redis.Address).Keys(12, "rt*#*").Count());
    }

    [Fact]
    public async Task Hostile_key_names_are_refused_not_followed()
    {
        var record = RecordEncoder.Encode("pwned\n"u8, FileStat.None, 1);
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            var db = mux.GetDatabase(7);
            await db.StringSetAsync("..#/etc/x", record);
            await db.StringSetAsync("ok.example.org#/../../escape", record);
            await db.StringSetAsync("ok.example.org#/etc/fine", record);
        }
        var outDir = Path.Combine(_work, "hostile", "out");
        var dumper = new FleetDumper(outDir);
        await using var query = new FleetQuery([Server(7)]);
        await query.RunAsync("*#*", dumper);
        Assert.Equal(2, dumper.Refused.Count);
        Assert.Equal(1, dumper.Files);
        Assert.True(File.Exists(Path.Combine(outDir, "ok.example.org", "etc", "fine")));
        Assert.False(File.Exists(Path.Combine(_work, "hostile", "escape")));
        Assert.False(File.Exists(Path.Combine(_work, "escape")));
    }

    /// <summary>A host's files changed between three imports into <paramref name="db"/>: three versions of each changed object.</summary>
    private async Task<string> ImportThreeVersionsAsync(int db)
    {
        var tree = Path.Combine(_work, $"versions-{db}");
        for (var round = 0; round < 3; round++)
        {
            foreach (var host in new[] { "v1.example.org", "v2.example.org" })
            {
                Directory.CreateDirectory(Path.Combine(tree, host, "etc"));
                Directory.CreateDirectory(Path.Combine(tree, host, "#cmd"));
                var conf = Path.Combine(tree, host, "etc", "app.conf");
                File.WriteAllText(conf, string.Concat(Enumerable.Range(0, 40).Select(i => $"setting{i} = {(i == 7 ? round : i)}\n")));
                File.SetUnixFileMode(conf, round == 1 ? UnixFileMode.UserRead | UnixFileMode.UserWrite : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
                File.SetLastWriteTimeUtc(conf, new DateTime(2026, 1, 1 + round, 0, 0, 0, DateTimeKind.Utc));
                File.WriteAllText(Path.Combine(tree, host, "#cmd", "uname"), "Linux\n");
            }
            var imported = await FleetImporter.ImportAsync(tree, Server(db), PayloadCodec.Lz4, TimeSpan.FromHours(1), CancellationToken.None);
            Assert.Empty(imported.Skipped);
            await Task.Delay(5); // each import its own time
        }
        return tree;
    }

    /// <summary>Every version of every key as history shows it: md5, time stored, stat.</summary>
    private async Task<List<string>> HistoriesAsync(int db)
    {
        await using var query = new FleetQuery([Server(db)]);
        var shown = new List<string>();
        await query.History.ReadAsync("*#*", h => shown.AddRange(h.Versions.Select(v =>
            $"{h.Key} {v.Index} {v.Md5Hex} {v.Header.InsertedUnixMs} {v.Header.Stat.Mode & 0x1FF} {v.Header.Stat.MtimeUnixSeconds} {v.Header.RawLength} {v.Error}")));
        return shown;
    }

    /// <summary>
    /// dump --all-versions writes each version kept to &lt;path&gt;#history/&lt;time&gt;, and import of that
    /// tree into an empty server gives back every version (md5, time stored, mode, mtime) of every
    /// key; importing it again adds nothing. Through the real CLI.
    /// </summary>
    [Fact]
    public async Task Dump_all_versions_then_import_reproduces_every_version()
    {
        await ImportThreeVersionsAsync(9);
        var before = await HistoriesAsync(9);
        Assert.Equal(3 * 2 + 2, before.Count); // app.conf's three versions and uname's one, on two hosts

        var tree = Path.Combine(_work, "all-versions");
        var dump = await CliProcessTests.Run("dump", tree, "--all-versions", "--server", Server(9).ToString());
        Assert.True(dump.Exit == 0, dump.Stderr);
        var versions = Directory.GetFiles(Path.Combine(tree, "v1.example.org", "etc", "app.conf#history"));
        Assert.Equal(3, versions.Length);
        Assert.True(File.Exists(Path.Combine(tree, "v1.example.org", "#cmd", "uname#history", before.Single(l => l.StartsWith("v1.example.org#cmd/uname 0", StringComparison.Ordinal)).Split(' ')[3])));

        var import = await CliProcessTests.Run("import", tree, "--server", Server(10).ToString(), "--codec", "lz4");
        Assert.True(import.Exit == 0, import.Stderr);
        Assert.Equal(before, await HistoriesAsync(10));
        var again = await CliProcessTests.Run("import", tree, "--server", Server(10).ToString(), "--codec", "lz4");
        Assert.True(again.Exit == 0, again.Stderr);
        Assert.Equal(before, await HistoriesAsync(10));
    }

    /// <summary>
    /// A damaged history entry: dump --all-versions names the versions it cannot rebuild (the damaged
    /// one and those relative to it), exits 2, and still writes every other file.
    /// </summary>
    [Fact]
    public async Task Dump_all_versions_names_a_damaged_entry_and_writes_the_rest()
    {
        await ImportThreeVersionsAsync(13);
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address))
        {
            var db = mux.GetDatabase(13);
            var list = HistoryKey.Of("v1.example.org#/etc/app.conf");
            var entry = (byte[])(await db.ListGetByIndexAsync(list, 0))!;
            entry[30] ^= 0xFF; // inside the md5, under the header's CRC
            await db.ListSetByIndexAsync(list, 0, entry);
        }
        var tree = Path.Combine(_work, "damaged");
        var dump = await CliProcessTests.Run("dump", tree, "--all-versions", "--server", Server(13).ToString());
        Assert.Equal(2, dump.Exit);
        Assert.Contains("v1.example.org#/etc/app.conf (version 1): header checksum mismatch", dump.Stderr);
        Assert.Contains("cannot be rebuilt", dump.Stderr);
        Assert.True(File.Exists(Path.Combine(tree, "v1.example.org", "etc", "app.conf")));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(tree, "v2.example.org", "etc", "app.conf#history")).Length);
        // The current version is written; version 2 too if it was stored self-contained.
        Assert.InRange(Directory.GetFiles(Path.Combine(tree, "v1.example.org", "etc", "app.conf#history")).Length, 1, 2);
    }
}
