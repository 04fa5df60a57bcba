using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Output;
using SysopsFast.Query;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>Small hand-made fleets whose every answer is known, shared by the query tests.</summary>
internal static class QueryFleet
{
    /// <summary>2013-05-29 23:26:40 UTC: an mtime that cannot be "now" by accident.</summary>
    public const long Mtime = 1369870000;

    public static string Md5Hex(byte[] content) => Convert.ToHexStringLower(MD5.HashData(content));

    /// <summary>Writes <c>root/&lt;host&gt;/&lt;relative path&gt;</c> for every file, with mode 0644 and a fixed mtime.</summary>
    public static void WriteTree(string root, IEnumerable<(string Host, string Path, byte[] Content)> files)
    {
        foreach (var (host, path, content) in files)
        {
            var full = System.IO.Path.Combine(root, host, path.TrimStart('/'));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, content);
            File.SetUnixFileMode(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.SetLastWriteTimeUtc(full, DateTimeOffset.FromUnixTimeSeconds(Mtime).UtcDateTime);
        }
    }

    /// <summary>A record written as push would write it (value and key catalog), with a header we choose.</summary>
    public static async Task PutAsync(IDatabase db, string host, string objectName, byte[] content, FileStat? stat = null, long? insertedMs = null, PayloadCodec codec = PayloadCodec.Lz4)
    {
        var record = RecordEncoder.Encode(content, stat ?? new FileStat(0x8000 | 420 /* 0644 */, 0, 0, content.Length, Mtime), insertedMs ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), codec);
        await db.StringSetAsync(ObjectKey.Make(host, objectName), record);
        await Task.WhenAll(KeyCatalog.Add(db, host, objectName, double.PositiveInfinity));
    }

    /// <summary>Text that neither LZ4 nor anything else shrinks much: <paramref name="length"/> random letters and newlines.</summary>
    public static byte[] RandomText(int length, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = i % 80 == 79 ? (byte)'\n' : (byte)('a' + random.Next(26));
        }
        return bytes;
    }

    /// <summary>The 6/3/1 fleet: hosts g00..g09 hold /etc/group.conf; six have A, three B, one C.</summary>
    public static readonly byte[] GroupA = Encoding.UTF8.GetBytes("line 1\nline 2\nshared = yes\nline 4\n");
    public static readonly byte[] GroupB = Encoding.UTF8.GetBytes("line 1\nline 2\nshared = no\nline 4\n");
    public static readonly byte[] GroupC = Encoding.UTF8.GetBytes("line 1\nline 2\nline 4\nextra\n");

    public static byte[] GroupContent(int host) => host < 6 ? GroupA : host < 9 ? GroupB : GroupC;

    public static string GroupHost(string prefix, int host) => $"{prefix}g{host:00}.example.org";

    public static async Task PutGroupFleetAsync(IDatabase db, string prefix)
    {
        for (var i = 0; i < 10; i++)
        {
            await PutAsync(db, GroupHost(prefix, i), "/etc/group.conf", GroupContent(i));
        }
    }

    /// <summary>Parses NDJSON output: one object per non-empty line.</summary>
    public static List<JsonElement> JsonLines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
}

/// <summary>
/// A loopback TCP relay in front of a server that runs an action once, just before it forwards the
/// first client command containing <c>trigger</c> (the server sees the action's writes first).
/// It lets a test change a record exactly between the two phases of a two-phase query.
/// </summary>
internal sealed class InterceptingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly byte[] _trigger;
    private readonly Func<Task> _action;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _sockets = [];
    private readonly Task _accept;
    private int _fired;

    public InterceptingProxy(string upstream, string trigger, Func<Task> action)
    {
        var colon = upstream.LastIndexOf(':');
        _upstreamHost = upstream[..colon];
        _upstreamPort = int.Parse(upstream[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        _trigger = Encoding.ASCII.GetBytes(trigger);
        _action = action;
        _listener.Start();
        _accept = AcceptAsync();
    }

    public string Address => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public bool Fired => Volatile.Read(ref _fired) >= 1;

    /// <summary>The action has run to its end (the command is then forwarded).</summary>
    public bool ActionDone => Volatile.Read(ref _fired) == 2;

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var upstream = new TcpClient();
                await upstream.ConnectAsync(_upstreamHost, _upstreamPort, _stop.Token);
                lock (_sockets)
                {
                    _sockets.Add(client);
                    _sockets.Add(upstream);
                }
                _ = PumpAsync(client, upstream, inspect: true);
                _ = PumpAsync(upstream, client, inspect: false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to, bool inspect)
    {
        var buffer = new byte[64 * 1024];
        var tail = Array.Empty<byte>();
        try
        {
            var input = from.GetStream();
            var output = to.GetStream();
            int n;
            while ((n = await input.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (inspect && !Fired)
                {
                    byte[] seen = [.. tail, .. buffer.AsSpan(0, n)];
                    if (seen.AsSpan().IndexOf(_trigger) >= 0 && Interlocked.CompareExchange(ref _fired, 1, 0) == 0)
                    {
                        await _action();
                        Volatile.Write(ref _fired, 2);
                    }
                    tail = seen.AsSpan(Math.Max(0, seen.Length - _trigger.Length + 1)).ToArray();
                }
                await output.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            from.Close();
            to.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accept;
        lock (_sockets)
        {
            foreach (var s in _sockets)
            {
                s.Dispose();
            }
        }
        _stop.Dispose();
    }
}

/// <summary>
/// The query model (search, header-only reads, explicit fetches, two-phase md5 grouping, info)
/// against a real server, with exact answers computed from the files the test wrote.
/// </summary>
public abstract class QueryCommandTests : IDisposable
{
    private readonly string _address;
    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-query-").FullName;

    protected QueryCommandTests(string address) => _address = address;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private ServerAddress Server(int db) => ServerAddress.Parse($"redis://{_address}/{db}");

    private async Task<T> WithDb<T>(int db, Func<IDatabase, Task<T>> body)
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { _address }, AllowAdmin = true });
        return await body(mux.GetDatabase(db));
    }

    private Task WithDb(int db, Func<IDatabase, Task> body) => WithDb(db, async d =>
    {
        await body(d);
        return 0;
    });

    [Fact]
    public async Task Query_search_returns_the_sorted_keys_and_reads_no_value()
    {
        var root = Path.Combine(_work, "search");
        // Written in an order that is not the sorted one.
        var hosts = new[] { "web10.example.org", "web2.example.org", "Web3.example.org", "db1.example.org", "web1.example.org" };
        QueryFleet.WriteTree(root, hosts.SelectMany(h => new[]
        {
            (h, "/etc/sysctl.conf", Encoding.UTF8.GetBytes($"# {h}\nvm.swappiness = 10\n")),
            (h, "/etc/hosts", Encoding.UTF8.GetBytes("127.0.0.1 localhost\n")),
        }));
        await FleetImporter.ImportAsync(root, Server(1), PayloadCodec.Lz4, null, CancellationToken.None);

        await using var query = new FleetQuery([Server(1)]);
        var found = await query.SearchAsync("sysctl.conf");
        Assert.Equal(
            ["Web3.example.org#/etc/sysctl.conf", "db1.example.org#/etc/sysctl.conf", "web1.example.org#/etc/sysctl.conf", "web10.example.org#/etc/sysctl.conf", "web2.example.org#/etc/sysctl.conf"],
            found.Items);
        Assert.Equal(5, found.Summary.KeysDiscovered);
        Assert.Equal(0, found.Summary.BytesFetched);

        var oneHost = await query.SearchAsync("web1.example.org#*");
        Assert.Equal(["web1.example.org#/etc/hosts", "web1.example.org#/etc/sysctl.conf"], oneHost.Items);

        var all = await query.SearchAsync("*#*");
        Assert.Equal(10, all.Items.Count);
        Assert.Equal(all.Items.Order(StringComparer.Ordinal), all.Items);

        var none = await query.SearchAsync("no-such-object");
        Assert.Empty(none.Items);
        Assert.Equal(0, none.Summary.KeysDiscovered);
    }

    [Fact]
    public async Task Query_read_metadata_gives_every_header_field_exactly()
    {
        var root = Path.Combine(_work, "metadata");
        var text = Encoding.UTF8.GetBytes("héllo wörld\nsecond  line\tthree words\n");
        byte[] binary = [0, 1, 2, 255, 10, 13, 0, 0xC3];
        QueryFleet.WriteTree(root, [("m1.example.org", "/etc/motd", text), ("m1.example.org", "/var/lib/blob.db", binary), ("m2.example.org", "/etc/motd", [])]);
        var private0600 = Path.Combine(root, "m1.example.org", "var", "lib", "blob.db");
        File.SetUnixFileMode(private0600, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await FleetImporter.ImportAsync(root, Server(2), PayloadCodec.Lz4, null, CancellationToken.None);
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        // A record pushed by another client, whose header carries a uid, gid and insertion time of its own.
        var pushed = Encoding.UTF8.GetBytes("root:x:0:0::/root:/bin/sh\n");
        const long inserted = 1_700_000_000_123;
        await WithDb(2, db => QueryFleet.PutAsync(db, "m3.example.org", "/etc/passwd", pushed, new FileStat(0x8000 | 416 /* 0640 */, 1000, 50, pushed.Length, 1_234_567_890), inserted));

        await using var query = new FleetQuery([Server(2)]);
        var read = await query.ReadMetadataAsync("*#*");
        Assert.Equal(["m1.example.org#/etc/motd", "m1.example.org#/var/lib/blob.db", "m2.example.org#/etc/motd", "m3.example.org#/etc/passwd"], read.Items.Select(r => r.Key));
        Assert.Empty(read.Summary.Corrupt);

        var motd = read.Items[0];
        Assert.Equal("m1.example.org", motd.Host);
        Assert.Equal("/etc/motd", motd.Object);
        Assert.Equal(QueryFleet.Md5Hex(text), motd.Md5Hex);
        Assert.Equal(text.Length, motd.Header.RawLength);
        Assert.Equal(new FileStat(0x8000 | 420 /* 0644 */, 0, 0, text.Length, QueryFleet.Mtime), motd.Header.Stat);
        // wc -m -l -w of the text: 37 characters (é, ö are one each), 2 lines, 6 words.
        Assert.Equal(37, motd.Header.Characters);
        Assert.Equal(2, motd.Header.Lines);
        Assert.Equal(6, motd.Header.Words);
        Assert.InRange(motd.Header.InsertedUnixMs, before, after);

        var blob = read.Items[1];
        Assert.Equal(QueryFleet.Md5Hex(binary), blob.Md5Hex);
        Assert.Equal(new FileStat(0x8000 | 384 /* 0600 */, 0, 0, binary.Length, QueryFleet.Mtime), blob.Header.Stat);
        Assert.Equal(1, blob.Header.Lines);

        var empty = read.Items[2];
        Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", empty.Md5Hex);
        Assert.Equal(0, empty.Header.RawLength);
        Assert.Equal((0, 0, 0), (empty.Header.Characters, empty.Header.Lines, empty.Header.Words));

        var passwd = read.Items[3];
        Assert.Equal(QueryFleet.Md5Hex(pushed), passwd.Md5Hex);
        Assert.Equal(new FileStat(0x8000 | 416 /* 0640 */, 1000, 50, pushed.Length, 1_234_567_890), passwd.Header.Stat);
        Assert.Equal(inserted, passwd.Header.InsertedUnixMs);
        Assert.Equal("mode=100640 uid=1000 gid=50 size=26 mtime=1234567890", FieldText.Format(RecordField.Stat, passwd, DateTimeOffset.UtcNow));
        Assert.Equal("1700000000.123", FieldText.Format(RecordField.Time, passwd, DateTimeOffset.UtcNow));
        Assert.Equal("chars=26 lines=1 words=1", FieldText.Format(RecordField.Wordcount, passwd, DateTimeOffset.UtcNow));

        // The headers are those of the whole records.
        var fetched = await query.FetchAsync(read.Items.Select(r => r.Key));
        Assert.Equal(read.Items.Select(r => r.Key), fetched.Items.Select(r => r.Key));
        Assert.Equal(read.Items.Select(r => r.Header), fetched.Items.Select(r => r.Header));
        Assert.Equal(text, fetched.Items[0].Contents);
        Assert.Equal(binary, fetched.Items[1].Contents);
        Assert.Equal(pushed, fetched.Items[3].Contents);
    }

    [Fact]
    public async Task Query_header_reads_move_only_headers_and_costs_are_per_server()
    {
        const int hosts = 20;
        const int size = 20 * 1024;
        var root = Path.Combine(_work, "headers");
        QueryFleet.WriteTree(root, Enumerable.Range(0, hosts).Select(i => ($"h{i:00}.example.org", "/var/log/big.log", QueryFleet.RandomText(size, i))));
        await FleetImporter.ImportAsync(root, Server(3), PayloadCodec.Lz4, null, CancellationToken.None);

        await using var query = new FleetQuery([Server(3)]);
        var headers = await query.ReadMetadataAsync("big.log");
        Assert.Equal(hosts, headers.Items.Count);
        Assert.Equal(hosts, headers.Summary.RecordsRead);
        // Exactly the 120-byte header of each record crossed the wire.
        Assert.Equal(hosts * RecordHeader.Size, headers.Summary.BytesFetched);
        Assert.All(headers.Items, (r, i) => Assert.Equal(QueryFleet.Md5Hex(QueryFleet.RandomText(size, i)), r.Md5Hex));

        var contents = await query.FetchAsync(headers.Items.Select(r => r.Key));
        Assert.Equal(hosts, contents.Items.Count);
        Assert.All(contents.Items, (r, i) => Assert.Equal(QueryFleet.RandomText(size, i), r.Contents));
        Assert.True(contents.Summary.BytesFetched >= hosts * size / 2, $"contents fetched only {contents.Summary.BytesFetched} bytes");
        Assert.True(headers.Summary.BytesFetched * 20 <= contents.Summary.BytesFetched,
            $"header read moved {headers.Summary.BytesFetched} bytes, the contents query {contents.Summary.BytesFetched}");

        var server = Server(3).ToString();
        var headerCost = Assert.Single(headers.Summary.Costs);
        Assert.Equal(server, headerCost.Server);
        Assert.Equal(hosts, headerCost.Keys);
        Assert.Equal(headers.Summary.BytesFetched, headerCost.BytesFetched);
        Assert.Equal(0, headerCost.BytesDecoded);
        var contentCost = Assert.Single(contents.Summary.Costs);
        Assert.Equal(server, contentCost.Server);
        Assert.Equal(hosts, contentCost.Keys);
        Assert.Equal(contents.Summary.BytesFetched, contentCost.BytesFetched);
        Assert.Equal((long)hosts * size, contentCost.BytesDecoded);
        Assert.True(contentCost.Elapsed > TimeSpan.Zero);
    }

    [Fact]
    public async Task Query_group_by_md5_counts_6_3_1_with_samples_of_the_right_contents()
    {
        await WithDb(4, db => QueryFleet.PutGroupFleetAsync(db, ""));
        await using var query = new FleetQuery([Server(4)]);
        var grouping = await query.Md5Groups.GroupAndSampleAsync("/etc/group.conf");

        Assert.Equal([6, 3, 1], grouping.Groups.Select(g => g.Count));
        Assert.Same(grouping.Groups[0], grouping.Majority);
        byte[][] contents = [QueryFleet.GroupA, QueryFleet.GroupB, QueryFleet.GroupC];
        int[][] members = [[0, 1, 2, 3, 4, 5], [6, 7, 8], [9]];
        for (var i = 0; i < 3; i++)
        {
            var g = grouping.Groups[i];
            Assert.Equal(QueryFleet.Md5Hex(contents[i]), g.Md5Hex);
            Assert.Equal(contents[i].Length, g.Length);
            Assert.Equal(members[i].Select(h => QueryFleet.GroupHost("", h) + "#/etc/group.conf"), g.Members.Select(m => m.Key));
            Assert.NotNull(g.Sample);
            Assert.Equal(contents[i], g.Sample.Contents);
            Assert.Equal(g.Md5, g.Sample.Header.Md5);
            Assert.Contains(g.Members, m => m.Key == g.Sample.Key);
        }
        Assert.Equal(10, grouping.Headers.RecordsRead);
        // Phase 2 fetched one record per group, no more.
        Assert.Equal(3, grouping.Fetches.Sum(f => f.RecordsRead));
        var cost = Assert.Single(grouping.Costs);
        Assert.Equal(10, cost.Keys); // each key once: the samples were keys the headers phase found
        Assert.Equal(grouping.Headers.BytesFetched + grouping.Fetches.Sum(f => f.BytesFetched), cost.BytesFetched);
    }

    [Fact]
    public async Task Query_a_record_re_pushed_between_the_phases_is_not_used_as_a_sample()
    {
        await WithDb(5, db => QueryFleet.PutGroupFleetAsync(db, ""));
        var firstOfB = QueryFleet.GroupHost("", 6);
        var onlyOfC = QueryFleet.GroupHost("", 9);
        var changed = Encoding.UTF8.GetBytes("re-pushed between the phases\n");
        // Phase 1 reads headers (EVAL or GETRANGE); phase 2 fetches samples with MGET. Just before
        // the first MGET reaches the server, two hosts push new contents.
        await using var mux = await ConnectionMultiplexer.ConnectAsync(_address);
        await using var proxy = new InterceptingProxy(_address, "\r\nMGET\r\n", async () =>
        {
            var db = mux.GetDatabase(5);
            await QueryFleet.PutAsync(db, firstOfB, "/etc/group.conf", changed);
            await QueryFleet.PutAsync(db, onlyOfC, "/etc/group.conf", changed);
        });

        await using var query = new FleetQuery([ServerAddress.Parse($"redis://{proxy.Address}/5")]);
        var grouping = await query.Md5Groups.GroupAndSampleAsync("/etc/group.conf");
        Assert.True(proxy.Fired);

        // Phase 1's groups stand; B's first member no longer has B's contents: the next is the sample.
        Assert.Equal([6, 3, 1], grouping.Groups.Select(g => g.Count));
        Assert.Equal(QueryFleet.GroupA, grouping.Groups[0].Sample!.Contents);
        var b = grouping.Groups[1];
        Assert.Equal(QueryFleet.Md5Hex(QueryFleet.GroupB), b.Md5Hex);
        Assert.NotNull(b.Sample);
        Assert.Equal(QueryFleet.GroupHost("", 7) + "#/etc/group.conf", b.Sample.Key);
        Assert.Equal(QueryFleet.GroupB, b.Sample.Contents);
        // C's only member changed: no sample rather than a wrong one.
        var c = grouping.Groups[2];
        Assert.Equal(QueryFleet.Md5Hex(QueryFleet.GroupC), c.Md5Hex);
        Assert.Null(c.Sample);
    }

    [Fact]
    public async Task Query_fetch_of_a_missing_key_returns_nothing()
    {
        await WithDb(6, db => QueryFleet.PutAsync(db, "here.example.org", "/etc/present", "present\n"u8.ToArray()));
        await using var query = new FleetQuery([Server(6)]);

        var missing = await query.FetchAsync(["gone.example.org#/etc/present"]);
        Assert.Empty(missing.Items);
        Assert.Equal(0, missing.Summary.RecordsRead);
        Assert.Equal(1, missing.Summary.RecordsMissing);

        var mixed = await query.FetchAsync(["gone.example.org#/etc/present", "here.example.org#/etc/present", "here.example.org#/etc/present"]);
        var record = Assert.Single(mixed.Items);
        Assert.Equal("here.example.org#/etc/present", record.Key);
        Assert.Equal("present\n"u8.ToArray(), record.Contents);

        Assert.Empty((await query.ReadMetadataAsync("gone.example.org#*")).Items);
    }

    [Fact]
    public async Task Query_info_returns_the_version_and_the_key_count()
    {
        await WithDb(7, async db =>
        {
            for (var i = 0; i < 4; i++)
            {
                await QueryFleet.PutAsync(db, $"i{i}.example.org", "/etc/issue", "Debian\n"u8.ToArray());
            }
        });
        long expected;
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { _address }, AllowAdmin = true }))
        {
            expected = await mux.GetServers()[0].DatabaseSizeAsync(7);
        }
        // 4 records and the catalog: the object's host set, all hosts, all objects.
        Assert.Equal(4 + 3, expected);

        await using var query = new FleetQuery([Server(7)]);
        var info = Assert.Single(await query.InfoAsync());
        Assert.Null(info.Error);
        Assert.Equal(Server(7).ToString(), info.Server);
        Assert.Matches(@"^\d+\.\d+", info.RedisVersion);
        Assert.Equal(expected, info.Keys);
        if (info.Fields.ContainsKey("garnet_version"))
        {
            Assert.Null(info.UsedMemory); // Garnet's INFO has no used_memory field
            Assert.NotNull(info.ConnectedClients); // and says 0 with clients connected
        }
        else
        {
            Assert.True(info.UsedMemory > 0);
            Assert.True(info.ConnectedClients >= 1);
        }
        Assert.NotNull(info.UptimeSeconds);
    }

    [Fact]
    public async Task Query_info_of_an_unreachable_server_is_reported_not_thrown()
    {
        var dead = $"127.0.0.1:{RedisServerFixture.FreePort()}";
        await using var query = new FleetQuery([Server(7), ServerAddress.Parse(dead)]);
        var infos = await query.InfoAsync();
        Assert.Equal(2, infos.Count);
        Assert.Null(infos.Single(i => i.Server == Server(7).ToString()).Error);
        Assert.NotNull(infos.Single(i => i.Server != Server(7).ToString()).Error);
    }

    /// <summary>Host names with spaces, escape sequences, newlines and non-ASCII letters (all legal directory names).</summary>
    public static readonly string[] HostileHosts = ["host with spaces", "esc\u001b[31mred\u001b[0m", "ünïcødé-主机.example", "new\nline", "quote\"back\\slash"];

    [Fact]
    public async Task Query_hostile_host_names_round_trip_through_search_fetch_and_json()
    {
        // Written directly: push and import refuse such host names, but any writer of the server may not.
        await WithDb(8, async db =>
        {
            foreach (var h in HostileHosts)
            {
                await QueryFleet.PutAsync(db, h, "/etc/motd", Encoding.UTF8.GetBytes("hello from " + h + "\n"));
            }
        });

        await using var query = new FleetQuery([Server(8)]);
        var expected = HostileHosts.Select(h => h + "#/etc/motd").Order(StringComparer.Ordinal).ToArray();
        var keys = await query.SearchAsync("motd");
        Assert.Equal(expected, keys.Items);
        var metadata = await query.ReadMetadataAsync("motd");
        Assert.Equal(expected, metadata.Items.Select(r => r.Key));
        var records = await query.FetchAsync(keys.Items);
        Assert.Equal(expected, records.Items.Select(r => r.Key));
        Assert.All(records.Items, r => Assert.Equal("hello from " + r.Metadata.Host + "\n", Encoding.UTF8.GetString(r.Contents)));

        using var json = new MemoryStream();
        var printer = new JsonSearchPrinter(json);
        foreach (var key in keys.Items)
        {
            printer.Key(key);
        }
        foreach (var r in metadata.Items)
        {
            printer.Field(r, RecordField.Md5sum);
        }
        foreach (var r in records.Items)
        {
            printer.Contents(r);
        }
        var text = Encoding.UTF8.GetString(json.ToArray());
        Assert.DoesNotContain('\u001b', text); // escaped, never raw on a terminal
        var lines = QueryFleet.JsonLines(text);
        Assert.Equal(3 * expected.Length, lines.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            var key = expected[i % expected.Length];
            var (host, obj) = ObjectKey.Split(key);
            Assert.Equal(key, lines[i].GetProperty("key").GetString());
            Assert.Equal(host, lines[i].GetProperty("host").GetString());
            Assert.Equal(obj, lines[i].GetProperty("object").GetString());
        }
        Assert.Equal("hello from " + ObjectKey.Split(expected[0]).Host + "\n", lines[2 * expected.Length].GetProperty("contents").GetString());
    }

    /// <summary>
    /// Keys are printed as UTF-8 (an invalid byte shows as U+FFFD), so the library carries each key's
    /// stored bytes too, and every multi-phase query fetches by them.
    /// </summary>
    [Fact]
    public async Task Query_a_host_name_that_is_not_utf8_is_fetched_by_its_stored_bytes()
    {
        // A client other than ours may write any bytes; Latin-1 host names exist on old machines.
        byte[] host = [.. "caf"u8, 0xE9, .. ".example.org"u8];
        var objectName = "/etc/motd"u8.ToArray();
        await WithDb(9, async db =>
        {
            await db.StringSetAsync(ObjectKey.Make(host, objectName), RecordEncoder.Encode("latin\n"u8, FileStat.None, 1));
            await db.SortedSetAddAsync(KeyCatalog.HostsOf(objectName), host, double.PositiveInfinity);
            await db.SortedSetAddAsync(KeyCatalog.ObjectsKey, objectName, double.PositiveInfinity);
            await db.SortedSetAddAsync(KeyCatalog.HostsKey, host, double.PositiveInfinity);
        });
        await using var query = new FleetQuery([Server(9)]);
        Assert.Equal("caf\uFFFD.example.org#/etc/motd", Assert.Single((await query.SearchAsync("motd")).Items));
        var metadata = Assert.Single((await query.ReadMetadataAsync("motd")).Items);
        Assert.Equal(ObjectKey.Make(host, objectName), metadata.KeyBytes);
        var record = Assert.Single((await query.FetchAsync([metadata.KeyBytes])).Items);
        Assert.Equal("latin\n"u8.ToArray(), record.Contents);
        // compare-all's second phase fetches by the stored bytes: the group has its sample.
        Assert.NotNull(Assert.Single((await query.Md5Groups.GroupAndSampleAsync("motd")).Groups).Sample);
    }
}

public sealed class RedisQueryCommandTests(RedisServerFixture redis) : QueryCommandTests(redis.Address), IClassFixture<RedisServerFixture>;

public sealed class GarnetQueryCommandTests(GarnetServerFixture garnet) : QueryCommandTests(garnet.Address), IClassFixture<GarnetServerFixture>;
