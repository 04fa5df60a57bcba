using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using StackExchange.Redis;
using SysopsFast.Format;
using Xunit;
using Xunit.Abstractions;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// Hostile snapshots through the real CLI against a real redis-server: odd contents, huge and
/// numerous lines, key names that are globs or paths, damaged records and a regex that would
/// backtrack. Each gives the exact answer or a clear error, and the CLI's peak resident memory
/// (GNU time) stays under 300 MB.
/// </summary>
public sealed class HostileInputTests(RedisServerFixture redis, ITestOutputHelper output) : IClassFixture<RedisServerFixture>
{
    private string Url(int db) => $"redis://{redis.Address}/{db}";

    private Task<CliRun> Cli(params string[] args) => MeasuredCli.RunWithinBoundAsync(output, args);

    private Task WithDb(int db, Func<IDatabase, Task> write) => FlushedDb.WriteAsync(redis, db, write);

    private static string Sorted(string text) => string.Join('\n', text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

    [Fact]
    public async Task Nul_bytes_invalid_utf8_and_escapes_pass_through_unchanged()
    {
        byte[] nul = [.. "a\0b needle\nplain\n"u8];
        byte[] latin1 = [.. "caf"u8, 0xE9, .. " needle\n"u8, 0xFF, 0xFE, .. "\n"u8];
        byte[] ansi = [.. "\u001b[31mneedle\u001b[0m \u001b]0;title\u0007\n"u8];
        await WithDb(1, async db =>
        {
            await QueryFleet.PutAsync(db, "nul.example.org", "motd", nul);
            await QueryFleet.PutAsync(db, "latin1.example.org", "motd", latin1, codec: PayloadCodec.Zstd);
            await QueryFleet.PutAsync(db, "ansi.example.org", "motd", ansi, codec: PayloadCodec.None);
        });
        var run = await Cli("grep", "motd", "needle", "-H", "--server", Url(1));
        Assert.Equal(0, run.Exit);
        byte[][] expected =
        [
            [.. "ansi.example.org:"u8, .. ansi],
            [.. "latin1.example.org:"u8, .. latin1.AsSpan(0, 12)],
            [.. "nul.example.org:"u8, .. nul.AsSpan(0, 11)],
        ];
        Assert.Equal(expected.Select(Convert.ToHexString).Order(), SplitLines(run.Stdout).Select(Convert.ToHexString).Order());

        // '.' matches an invalid byte (it is read as U+FFFD); the byte itself is printed unchanged.
        run = await Cli("grep", "motd", "^caf. needle$", "--server", Url(1));
        Assert.Equal(0, run.Exit);
        Assert.Equal(latin1.AsSpan(0, 12).ToArray(), run.Stdout);

        run = await Cli("search", "motd", "--contents", "--server", Url(1));
        Assert.Equal(0, run.Exit);
        Assert.Contains(Convert.ToHexString(ansi), Convert.ToHexString(run.Stdout), StringComparison.Ordinal);
    }

    private static List<byte[]> SplitLines(byte[] bytes)
    {
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                lines.Add(bytes[start..(i + 1)]);
                start = i + 1;
            }
        }
        return lines;
    }

    /// <summary>One line of 100,000,000 bytes holding "needle" once, beside a small object on another host.</summary>
    private static byte[] HundredMegabyteLine()
    {
        var line = new byte[100_000_000];
        line.AsSpan().Fill((byte)'x');
        "needle"u8.CopyTo(line.AsSpan(60_000_000));
        line[^1] = (byte)'\n';
        return line;
    }

    [Theory]
    [InlineData(PayloadCodec.None, 2)]
    [InlineData(PayloadCodec.Zstd, 3)]
    public async Task A_100_MB_single_line_is_counted_and_printed_within_memory(PayloadCodec codec, int db)
    {
        var line = HundredMegabyteLine();
        await WithDb(db, async d =>
        {
            var record = RecordEncoder.Encode(line, FileStat.None, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), codec, sizeCap: line.Length);
            await d.StringSetAsync("big.example.org#cmd/big", record);
            await Task.WhenAll(Redis.KeyCatalog.Add(d, "big.example.org", "cmd/big", double.PositiveInfinity));
            await QueryFleet.PutAsync(d, "small.example.org", "cmd/big", "a needle\nhay\n"u8.ToArray());
        });

        var run = await Cli("grep", "cmd/big", "needle", "-c", "-H", "--server", Url(db));
        Assert.Equal(0, run.Exit);
        Assert.Equal("big.example.org:1\nsmall.example.org:1", Sorted(run.StdoutText));

        // Counting identical lines holds each distinct line: one over 1 MiB is refused by name, not held.
        run = await Cli("grep", "cmd/big", "needle", "--uniq", "--server", Url(db));
        Assert.Equal(2, run.Exit);
        Assert.Equal("sysops-fast: counting identical lines: 'big.example.org#cmd/big' holds a line of 99999999 bytes, over the 1048576 bytes counting identical lines holds per line; leave that object out of the query (--hosts, --host, --range-query)\n", run.Stderr);

        // A regular expression would read the line (its newline aside) as UTF-16, 200 MB: one clear line instead.
        run = await Cli("grep", "cmd/big", "ne+dle", "-c", "-H", "--server", Url(db));
        Assert.Equal(2, run.Exit);
        Assert.Equal($"sysops-fast: a line of {line.Length - 1} bytes is longer than a regular expression is run on (33554432 bytes: the engine reads a line as UTF-16, twice its size); search for literal text instead (-F for literal text)\n", run.Stderr);
    }

    [Fact]
    public async Task A_million_tiny_lines_are_counted_exactly_within_memory()
    {
        var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(1, 1_000_000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n")));
        await WithDb(4, async db =>
        {
            await QueryFleet.PutAsync(db, "lines1.example.org", "cmd/seq", text);
            await QueryFleet.PutAsync(db, "lines2.example.org", "cmd/seq", text, codec: PayloadCodec.None);
        });
        var run = await Cli("grep", "cmd/seq", "5$", "-c", "-H", "--server", Url(4));
        Assert.Equal(0, run.Exit);
        Assert.Equal("lines1.example.org:100000\nlines2.example.org:100000", Sorted(run.StdoutText));

        run = await Cli("grep", "cmd/seq", "^99999", "--uniq", "--server", Url(4));
        Assert.Equal(0, run.Exit);
        var expected = new[] { 99999 }.Concat(Enumerable.Range(999990, 10)).Select(i => $"      2 {i}").Order(StringComparer.Ordinal);
        Assert.Equal(string.Join('\n', expected), Sorted(run.StdoutText));

        run = await Cli("grep", "cmd/seq", "", "-c", "--server", Url(4));
        Assert.Equal(0, run.Exit);
        Assert.Equal("lines1.example.org:1000000\nlines2.example.org:1000000", Sorted(run.StdoutText));
    }

    /// <summary>Object names that are globs, paths with spaces or newlines, or hold a '#', each beside a decoy a careless glob would also select.</summary>
    private static readonly (string Name, string Decoy)[] OddObjects =
    [
        ("we*ird", "weXXird"),
        ("q?", "qX"),
        ("[br]", "b"),
        ("back\\slash", "backslash"),
        ("has space", "hasXspace"),
        ("new\nline", "newXline"),
        ("a#b", "aXb"),
    ];

    /// <summary>A Redis glob that matches <paramref name="text"/> and nothing else.</summary>
    private static string Literal(string text) => string.Concat(text.Select(c => c is '*' or '?' or '[' or ']' or '\\' ? "\\" + c : c.ToString()));

    [Fact]
    public async Task Key_names_with_glob_characters_spaces_newlines_and_hashes_are_selected_exactly()
    {
        await WithDb(5, async db =>
        {
            foreach (var (name, decoy) in OddObjects)
            {
                await QueryFleet.PutAsync(db, "odd.example.org", name, Encoding.UTF8.GetBytes("needle\n" + name));
                await QueryFleet.PutAsync(db, "odd.example.org", decoy, Encoding.UTF8.GetBytes("needle\n" + decoy));
            }
        });
        foreach (var (name, _) in OddObjects)
        {
            var key = "odd.example.org#" + name;
            // With '#' the pattern is the key glob (the catalog answers it); without, *name* (SCAN
            // when it escapes); a name holding '#' can only be the object part of a key glob.
            foreach (var pattern in name.Contains('#', StringComparison.Ordinal) ? ["*#" + Literal(name)] : new[] { "*#" + Literal(name), Literal(name) })
            {
                foreach (var scan in new[] { false, true })
                {
                    string[] args = ["search", pattern, "--server", Url(5), .. scan ? new[] { "--scan" } : []];
                    var run = await Cli(args);
                    Assert.Equal(0, run.Exit);
                    Assert.Equal(key + "\n", run.StdoutText);
                    run = await Cli(["grep", pattern, "needle", "-H", .. args[2..]]);
                    Assert.Equal(0, run.Exit);
                    Assert.Equal("odd.example.org:needle\n", run.StdoutText);
                }
            }
        }
    }

    /// <summary>
    /// Odd names are written at their tree paths (ObjectPath: '#' before a relative name; '%', '#',
    /// '\\' and control characters as %XX), so each is a file of its own name, and no name climbs out.
    /// </summary>
    [Fact]
    public async Task Dump_writes_odd_names_at_their_tree_paths_and_refuses_keys_that_would_leave_its_directory()
    {
        string[] escaping = ["h#../../etc/x", "..#x", "h#a/../../x", "h#/", "h#a//b", "a/b#x"];
        await WithDb(6, async db =>
        {
            foreach (var (name, _) in OddObjects)
            {
                await QueryFleet.PutAsync(db, "odd.example.org", name, Encoding.UTF8.GetBytes(name));
            }
            foreach (var key in escaping)
            {
                var (host, obj) = ObjectKey.Split(key);
                await QueryFleet.PutAsync(db, host, obj, "escaped\n"u8.ToArray());
            }
        });
        var parent = Directory.CreateTempSubdirectory("sysops-fast-hostile-dump-").FullName;
        try
        {
            var dir = Path.Combine(parent, "dump");
            var run = await Cli("dump", dir, "--server", Url(6));
            Assert.Equal(2, run.Exit);
            foreach (var key in escaping)
            {
                Assert.Contains($"'{key}'", run.Stderr, StringComparison.Ordinal);
            }
            // Nothing beside the dump directory, nothing in it but the one host.
            Assert.Equal(["dump"], Directory.GetFileSystemEntries(parent).Select(Path.GetFileName));
            Assert.Equal(["odd.example.org"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
            string[] files = ["#we*ird", "#q?", "#[br]", "#back%5Cslash", "#has space", "#new%0Aline", "#a%23b"];
            Assert.Equal(files.Order(StringComparer.Ordinal), Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            foreach (var ((name, _), file) in OddObjects.Zip(files))
            {
                Assert.Equal(name, await File.ReadAllTextAsync(Path.Combine(dir, "odd.example.org", file)));
            }
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    /// <summary>Recomputes a record's payload checksum and header CRC, as a hostile writer would after changing it.</summary>
    internal static byte[] Resealed(byte[] record)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(104), XxHash3.HashToUInt64(record.AsSpan(RecordHeader.Size)));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(112), Crc32.HashToUInt32(record.AsSpan(0, 112)));
        return record;
    }

    [Fact]
    public async Task Corrupt_truncated_and_oversized_records_are_named_and_the_rest_answered()
    {
        var good = "needle here\n"u8.ToArray();
        // Each damaged record has contents of its own: one with the good one's md5 would be read as its duplicate.
        static byte[] Record(string host) => RecordEncoder.Encode(Encoding.UTF8.GetBytes("needle at " + host + "\n"), FileStat.None, 1, PayloadCodec.Lz4);
        var flippedHeader = Record("header");
        flippedHeader[20] ^= 1;
        var flippedPayload = Record("payload");
        flippedPayload[^1] ^= 1;
        var claims1Tb = Record("terabyte");
        BinaryPrimitives.WriteInt64LittleEndian(claims1Tb.AsSpan(16), 1L << 40);
        var claimsCap = Record("claim");
        BinaryPrimitives.WriteInt64LittleEndian(claimsCap.AsSpan(16), RecordDecoder.MaxRawLength);
        // 256 MiB of zeros in a few KB of zstd: over the cap, refused before anything is decompressed.
        var zeros = new byte[256 << 20];
        var bomb = RecordEncoder.Encode(zeros, FileStat.None, 1, PayloadCodec.Zstd, sizeCap: zeros.Length);
        var corrupt = new Dictionary<string, (byte[] Value, string Reason)>
        {
            ["truncated.example.org"] = (Record("truncated")[..^3], "truncated payload"),
            ["header.example.org"] = (flippedHeader, "header checksum mismatch"),
            ["payload.example.org"] = (flippedPayload, "payload checksum mismatch"),
            ["terabyte.example.org"] = (Resealed(claims1Tb), "is over the 134217728 byte limit"),
            ["claim.example.org"] = (Resealed(claimsCap), "cannot decode to 134217728"),
            ["bomb.example.org"] = (bomb, "is over the 134217728 byte limit"),
            ["text.example.org"] = ("needle, but not a record\n"u8.ToArray(), "not a sysops-fast record"),
        };
        await WithDb(7, async db =>
        {
            await QueryFleet.PutAsync(db, "good.example.org", "motd", good);
            foreach (var (host, (value, _)) in corrupt)
            {
                await db.StringSetAsync(ObjectKey.Make(host, "motd"), value);
                await Task.WhenAll(Redis.KeyCatalog.Add(db, host, "motd", double.PositiveInfinity));
            }
        });
        var run = await Cli("grep", "motd", "needle", "-H", "--server", Url(7));
        Assert.Equal(2, run.Exit);
        Assert.Equal("good.example.org:needle here\n", run.StdoutText);
        foreach (var (host, (_, reason)) in corrupt)
        {
            Assert.Contains(run.Stderr.Split('\n'), l => l.Contains(host + "#motd", StringComparison.Ordinal) && l.Contains(reason, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_regex_that_would_backtrack_answers_in_linear_time()
    {
        // (a+)+$ against a's ending in b: exponential for a backtracking engine, linear for ours.
        var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 2000).Select(i => new string('a', 1000 + i) + (i % 100 == 0 ? "\n" : "b\n"))));
        await WithDb(8, db => QueryFleet.PutAsync(db, "redos.example.org", "cmd/aaa", text));
        var run = await Cli("grep", "cmd/aaa", "(a+)+$", "-c", "--server", Url(8));
        Assert.Equal(0, run.Exit);
        Assert.Equal("redos.example.org:20\n", run.StdoutText);
    }
}
