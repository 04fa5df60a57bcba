using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;
using SysopsFast;
using SysopsFast.Fleet;
using SysopsFast.Format;

// Baselines for bench/macro/run.sh (see the .csproj). Usage:
//   load-original HOSTS SEED HOST:PORT DB   the synthetic fleet in the original layout
//   original PATTERN HOST:PORT DB           the original query: contents of every *PATTERN* key on stdout
//   floor OBJECT HOST:PORT DB               MGET every OBJECT record listed in the key catalog, discarded
//   shared-fleet HOSTS CODEC HOST:PORT DB   /etc/services (20 KB) identical on 95% of the hosts
//   grep OBJECT TEXT HOST:PORT DB on|off    grep --uniq with md5 deduplication on or off, timed
return args switch
{
    ["load-original", var hosts, var seed, var server, var db] => await LoadOriginalAsync(int.Parse(hosts, CultureInfo.InvariantCulture), ulong.Parse(seed, CultureInfo.InvariantCulture), server, int.Parse(db, CultureInfo.InvariantCulture)),
    ["original", var pattern, var server, var db] => await OriginalQueryAsync(pattern, server, int.Parse(db, CultureInfo.InvariantCulture)),
    ["floor", var objectName, var server, var db] => await FloorAsync(objectName, server, int.Parse(db, CultureInfo.InvariantCulture)),
    ["shared-fleet", var hosts, var codec, var server, var db] => await SharedFleetAsync(int.Parse(hosts, CultureInfo.InvariantCulture), Enum.Parse<PayloadCodec>(codec, ignoreCase: true), server, int.Parse(db, CultureInfo.InvariantCulture)),
    ["grep", var objectName, var text, var server, var db, var dedupe] => await GrepAsync(objectName, text, server, int.Parse(db, CultureInfo.InvariantCulture), dedupe == "on"),
    _ => Usage(),
};

// A fleet where 95% of the hosts hold the same 20 KB /etc/services and 5% a variant of their own.
static async Task<int> SharedFleetAsync(int hosts, PayloadCodec codec, string server, int db)
{
    var common = string.Concat(Enumerable.Range(0, 800).Select(i => $"service{i}\t{1000 + i}/tcp\t# port {i}\n"));
    byte[] Contents(int h) => Encoding.ASCII.GetBytes(h % 20 == 0 ? common + $"local{h}\t{40000 + h}/tcp\n" : common);
    using var dictionary = codec == PayloadCodec.ZstdDictionary ? CompressionDictionary.Train(Enumerable.Range(0, 100).Select(Contents).ToArray()) : null;
    await using var mux = await ConnectionMultiplexer.ConnectAsync(server);
    var redis = mux.GetDatabase(db);
    if (dictionary is not null)
    {
        await SysopsFast.Redis.DictionaryStore.StoreAsync(redis, dictionary, null);
    }
    var writer = new RecordWriter(redis, null);
    for (var h = 0; h < hosts; h++)
    {
        await writer.SetAsync(ObjectKey.Make(SyntheticFleet.HostName(h), "/etc/services"), RecordEncoder.Encode(Contents(h), FileStat.None, 1, codec, dictionary: dictionary));
    }
    await writer.FlushAsync();
    Console.Error.WriteLine($"shared-fleet: {hosts} hosts, /etc/services {common.Length} bytes, identical on 95%, codec {codec}");
    return 0;
}

static async Task<int> GrepAsync(string objectName, string text, string server, int db, bool dedupe)
{
    var clock = Stopwatch.StartNew();
    await using var query = new FleetQuery([SysopsFast.Redis.ServerAddress.Parse($"{server}/{db}")], new SysopsFast.Pipeline.ExtractOptions { DeduplicateIdenticalContents = dedupe });
    var (counts, result) = await query.GrepUniqAsync(new SysopsFast.Grep.GrepRequest(objectName, text));
    var s = result.Summary;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"grep dedupe={(dedupe ? "on" : "off")}: {clock.Elapsed.TotalMilliseconds:F0} ms; {s.RecordsRead} records, {s.BytesFetched / 1e6:F1} MB fetched, {s.KeysDeduplicated} keys not fetched; {counts.Count} distinct lines, {counts.Sum(c => c.Count)} in all"));
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: load-original HOSTS SEED HOST:PORT DB | original PATTERN HOST:PORT DB | floor OBJECT HOST:PORT DB");
    return 2;
}

static byte[] Bz2(ReadOnlySpan<byte> data) => Bzip2.Compress(data);

// The original layout: key host#object in its database, a LIST of five bz2-compressed strings
// (contents, md5 hex, stat string, word-count string, insertion time), written host by host.
static async Task<int> LoadOriginalAsync(int hosts, ulong seed, string server, int db)
{
    var clock = Stopwatch.StartNew();
    var fleet = new SyntheticFleet(hosts, seed);
    await using var mux = await ConnectionMultiplexer.ConnectAsync(server);
    var redis = mux.GetDatabase(db);
    long stored = 0;
    const int Chunk = 200;
    for (var first = 0; first < hosts; first += Chunk)
    {
        var items = Enumerable.Range(first, Math.Min(Chunk, hosts - first))
            .SelectMany(h => Enumerable.Range(0, SyntheticFleet.ObjectNames.Length).Select(o => (Host: h, Object: o)))
            .ToArray();
        var lists = new (string Key, RedisValue[] Values)[items.Length];
        Parallel.For(0, items.Length, () => new TextBuffer(), (i, _, text) =>
        {
            var (h, o) = items[i];
            fleet.Write(h, o, text);
            var contents = text.Span;
            var (chars, lines, words) = RecordEncoder.Count(contents);
            var inserted = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            lists[i] = (ObjectKey.Make(SyntheticFleet.HostName(h), SyntheticFleet.ObjectNames[o]),
            [
                Bz2(contents),
                Bz2(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(MD5.HashData(contents)))),
                // The strings the original stored: Python's str(os.stat()) and its word-count tuple.
                Bz2(Encoding.ASCII.GetBytes($"posix.stat_result(st_mode=33188, st_ino={i + 1000}, st_dev=64768, st_nlink=1, st_uid=0, st_gid=0, st_size={contents.Length}, st_atime={inserted}, st_mtime={inserted}, st_ctime={inserted})")),
                Bz2(Encoding.ASCII.GetBytes($"('Number of characters: {chars}', 'Number of lines: {lines + 1}', 'Number of words: {words}')")),
                Bz2(Encoding.ASCII.GetBytes(inserted.ToString(CultureInfo.InvariantCulture))),
            ]);
            return text;
        }, _ => { });
        var writes = new List<Task>();
        foreach (var (key, values) in lists)
        {
            writes.Add(redis.KeyDeleteAsync(key));
            writes.Add(redis.ListRightPushAsync(key, values));
            stored += values.Sum(v => (long)((byte[])v!).Length);
        }
        await Task.WhenAll(writes);
    }
    Console.Error.WriteLine($"load-original: {hosts} hosts x {SyntheticFleet.ObjectNames.Length} objects, {stored / 1e6:F0} MB of bz2 in {clock.Elapsed.TotalSeconds:F1} s");
    return 0;
}

// The original algorithm, single-threaded as it was: KEYS, one pipeline of LINDEX 0 over every
// key (all replies held at once), then each value bz2-decompressed and printed.
static async Task<int> OriginalQueryAsync(string pattern, string server, int db)
{
    await using var mux = await ConnectionMultiplexer.ConnectAsync(server + ",allowAdmin=true");
    var redis = mux.GetDatabase(db);
    var keys = (RedisKey[])(await redis.ExecuteAsync("KEYS", "*" + pattern + "*"))!;
    var pipeline = keys.Select(k => redis.ListGetByIndexAsync(k, 0)).ToArray();
    var values = await Task.WhenAll(pipeline);
    using var stdout = new BufferedStream(Console.OpenStandardOutput(), 1 << 16);
    var contents = new byte[1 << 20];
    foreach (var value in values)
    {
        if (value.IsNull)
        {
            continue;
        }
        var length = Bzip2.Decompress((byte[])value!, ref contents, OriginalRecordDecoder.MaxContentBytes);
        stdout.Write(contents, 0, length);
    }
    return 0;
}

// The transfer floor: the keys come from the catalog (no discovery cost), then MGETs of about
// 1 MiB, two in flight, over one plain socket; replies are only walked to find their end.
static async Task<int> FloorAsync(string objectName, string server, int db)
{
    var clock = Stopwatch.StartNew();
    byte[][] keys;
    await using (var mux = await ConnectionMultiplexer.ConnectAsync(server))
    {
        var hosts = await mux.GetDatabase(db).SortedSetRangeByRankAsync("#catalog:object:" + objectName);
        keys = hosts.Select(h => Encoding.UTF8.GetBytes((string)h! + "#" + objectName)).ToArray();
    }
    var listed = clock.Elapsed;
    clock.Restart();
    var (host, port) = (server.Split(':')[0], int.Parse(server.Split(':')[1], CultureInfo.InvariantCulture));
    using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    await socket.ConnectAsync(host, port);
    var buffer = new byte[8 << 20];
    await SendAsync(socket, [Encoding.ASCII.GetBytes("SELECT"), Encoding.ASCII.GetBytes(db.ToString(CultureInfo.InvariantCulture))]);
    var filled = 0;
    while (ReplyEnd(buffer.AsSpan(0, filled), out _) <= 0)
    {
        filled += await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
    }
    int sent = 0, received = 0, inFlight = 0, perBatch = 64, start = 0;
    filled = 0;
    long bytes = 0;
    var batchSizes = new Queue<int>();
    while (received < keys.Length)
    {
        while (inFlight < 2 && sent < keys.Length)
        {
            var n = Math.Min(perBatch, keys.Length - sent);
            await SendAsync(socket, [Encoding.ASCII.GetBytes("MGET"), .. keys.AsSpan(sent, n)]);
            batchSizes.Enqueue(n);
            sent += n;
            inFlight++;
        }
        while (true)
        {
            var end = ReplyEnd(buffer.AsSpan(start, filled - start), out var valueBytes);
            if (end > 0)
            {
                start += end;
                bytes += valueBytes;
                var n = batchSizes.Dequeue();
                received += n;
                inFlight--;
                perBatch = (int)Math.Clamp((1 << 20) / Math.Max(1.0, valueBytes / (double)n), 1, 4096);
                break;
            }
            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
                filled -= start;
                start = 0;
            }
            var got = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
            if (got == 0)
            {
                throw new IOException("server closed the connection");
            }
            filled += got;
        }
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"floor: {received} values, {bytes / 1e6:F1} MB in {clock.Elapsed.TotalMilliseconds:F0} ms ({bytes / 1e9 / clock.Elapsed.TotalSeconds:F2} GB/s; keys listed in {listed.TotalMilliseconds:F0} ms)"));
    return 0;
}

static async Task SendAsync(Socket socket, byte[][] args)
{
    using var command = new MemoryStream();
    command.Write(Encoding.ASCII.GetBytes($"*{args.Length}\r\n"));
    foreach (var a in args)
    {
        command.Write(Encoding.ASCII.GetBytes($"${a.Length}\r\n"));
        command.Write(a);
        command.Write("\r\n"u8);
    }
    await socket.SendAsync(command.ToArray(), SocketFlags.None);
}

// The end of one whole reply (a simple reply or an array of bulk strings), or 0 when incomplete.
static int ReplyEnd(ReadOnlySpan<byte> data, out long valueBytes)
{
    valueBytes = 0;
    var line = data.IndexOf("\r\n"u8);
    if (line < 0)
    {
        return 0;
    }
    if (data[0] != (byte)'*')
    {
        return line + 2;
    }
    Utf8Parser.TryParse(data[1..line], out int count, out _);
    var pos = line + 2;
    for (var i = 0; i < count; i++)
    {
        var end = pos < data.Length ? data[pos..].IndexOf("\r\n"u8) : -1;
        if (end < 0)
        {
            return 0;
        }
        Utf8Parser.TryParse(data[(pos + 1)..(pos + end)], out int length, out _);
        pos += end + 2;
        if (length >= 0)
        {
            if (pos + length + 2 > data.Length)
            {
                return 0;
            }
            pos += length + 2;
            valueBytes += length;
        }
    }
    return pos;
}
