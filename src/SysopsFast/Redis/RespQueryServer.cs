using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace SysopsFast.Redis;

/// <summary>The fast path: a standalone server over our own <see cref="RespConnection"/>.</summary>
internal sealed class RespQueryServer(RespConnection connection) : IQueryServer
{
    public string Name => connection.Server;

    public bool IsBroken => connection.IsBroken;

    public RespConnection Connection => connection;

    public async Task<bool> KeyExistsAsync(byte[] key)
    {
        using var reply = await connection.SendAsync("EXISTS"u8, key);
        return reply.Read().ReadInteger() > 0;
    }

    public async Task<List<byte[]>> SortedSetMembersAsync(byte[] key, long minScore)
    {
        using var reply = await connection.SendAsync("ZRANGEBYSCORE"u8, key, Ascii(minScore), "+inf"u8.ToArray());
        var frame = reply.Read();
        var count = frame.ReadArrayLength();
        var members = new List<byte[]>(Math.Max(0, count));
        for (var i = 0; i < count; i++)
        {
            members.Add(frame.TryReadBulk(out var member) ? member.ToArray() : []);
        }
        return members;
    }

    public async IAsyncEnumerable<List<byte[]>> SortedSetScanAsync(byte[] key, long minScore, string? match, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var cursor = "0"u8.ToArray();
        byte[][] tail = match is null ? ["COUNT"u8.ToArray(), Ascii(pageSize)] : ["MATCH"u8.ToArray(), Encoding.UTF8.GetBytes(match), "COUNT"u8.ToArray(), Ascii(pageSize)];
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            var members = new List<byte[]>();
            using (var reply = await connection.SendAsync("ZSCAN"u8, [key, cursor, .. tail]))
            {
                var frame = reply.Read();
                if (frame.ReadArrayLength() != 2 || !frame.TryReadBulk(out var next))
                {
                    throw new InvalidDataException("ZSCAN did not return [cursor, members]");
                }
                cursor = next.ToArray();
                for (var n = frame.ReadArrayLength() / 2; n > 0; n--)
                {
                    frame.TryReadBulk(out var member);
                    var copy = member.ToArray();
                    frame.TryReadBulk(out var score);
                    if (KeyCatalog.ParseScore(score) >= minScore)
                    {
                        members.Add(copy);
                    }
                }
            }
            yield return members;
        }
        while (!cursor.AsSpan().SequenceEqual("0"u8));
    }

    public void PruneSortedSet(byte[] key, long belowScore) =>
        _ = DiscardAsync(connection.SendAsync(refusalIsReply: true, "ZREMRANGEBYSCORE"u8, key, "-inf"u8.ToArray(), Encoding.ASCII.GetBytes("(" + belowScore.ToString(CultureInfo.InvariantCulture))));

    public async Task<(byte[]? Bytes, long Length)[]> GetBoundedAsync(IReadOnlyList<byte[]> keys, int maxLength)
    {
        var (start, end) = ("0"u8.ToArray(), Ascii(maxLength - 1));
        var lengths = keys.Select(k => connection.SendAsync("STRLEN"u8, k)).ToArray();
        var prefixes = keys.Select(k => connection.SendAsync("GETRANGE"u8, k, start, end)).ToArray();
        var result = new (byte[]?, long)[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            using var length = await lengths[i];
            using var prefix = await prefixes[i];
            var n = length.Read();
            var bytes = prefix.Read();
            // A key of another type (WRONGTYPE) is no dictionary: as missing.
            result[i] = n.Error is null && bytes.Error is null && bytes.TryReadBulk(out var value) && value.Length > 0 ? (value.ToArray(), n.ReadInteger()) : (null, 0);
        }
        return result;
    }

    public async IAsyncEnumerable<byte[][]> ScanAsync(string glob, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var match = Encoding.UTF8.GetBytes(glob);
        var count = Ascii(pageSize);
        var cursor = "0"u8.ToArray();
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            byte[][] keys;
            using (var reply = await connection.SendAsync("SCAN"u8, cursor, "MATCH"u8.ToArray(), match, "COUNT"u8.ToArray(), count))
            {
                var frame = reply.Read();
                if (frame.ReadArrayLength() != 2 || !frame.TryReadBulk(out var next))
                {
                    throw new InvalidDataException("SCAN did not return [cursor, keys]");
                }
                cursor = next.ToArray();
                keys = new byte[Math.Max(0, frame.ReadArrayLength())][];
                for (var i = 0; i < keys.Length; i++)
                {
                    keys[i] = frame.TryReadBulk(out var key) ? key.ToArray() : [];
                }
            }
            yield return keys;
        }
        while (!cursor.AsSpan().SequenceEqual("0"u8));
    }

    public List<Task<IMgetPart>> Mget(ReadOnlySpan<byte[]> keys, ReadOnlySpan<DuplicateGroup?> duplicates = default) =>
        [MgetAsync(keys.ToArray(), duplicates.IsEmpty ? null : duplicates.ToArray())];

    private async Task<IMgetPart> MgetAsync(byte[][] keys, DuplicateGroup?[]? duplicates) =>
        RespReplyMgetPart.Checked(await connection.SendAsync("MGET"u8, keys), keys, duplicates);

    /// <summary>GETRANGE 0..119 of every key in one script: one command and one reply for a whole page.</summary>
    private static readonly byte[] HeadersScript = Encoding.ASCII.GetBytes(
        "local r = {} for i, k in ipairs(KEYS) do r[i] = redis.call('GETRANGE', k, 0, " + (Format.RecordHeader.Size - 1).ToString(CultureInfo.InvariantCulture) + ") end return r");

    private bool _noScripting;

    public async Task<byte[][]?> HeadersAsync(byte[][] keys)
    {
        if (_noScripting)
        {
            return null;
        }
        byte[][] args = [HeadersScript, Ascii(keys.Length), .. keys];
        // An ACL that refuses EVAL is a reply like the others: whole records are fetched instead.
        using var reply = await connection.SendAsync(refusalIsReply: true, "EVAL"u8, args);
        var frame = reply.Read();
        if (frame.Error is { } error)
        {
            ThrowIfServerInTrouble(error);
            // A key of another type fails this page's script only; scripting off or refused by an
            // ACL fails every page: fetch whole records from now on.
            _noScripting |= !error.StartsWith("WRONGTYPE", StringComparison.Ordinal);
            return null;
        }
        if (frame.PeekType != (byte)'*')
        {
            _noScripting = true;
            return null;
        }
        var headers = new byte[frame.ReadArrayLength()][];
        for (var i = 0; i < headers.Length; i++)
        {
            headers[i] = frame.TryReadBulk(out var header) ? header.ToArray() : [];
        }
        return headers.Length == keys.Length ? headers : null;
    }

    public async Task<byte[][]> ReadHeadersAsync(byte[][] keys)
    {
        if (await HeadersAsync(keys) is { } headers)
        {
            return headers;
        }
        // No scripting (or a key of another type failed the script): one GETRANGE each, pipelined.
        var start = "0"u8.ToArray();
        var end = Ascii(Format.RecordHeader.Size - 1);
        var replies = Array.ConvertAll(keys, k => connection.SendAsync("GETRANGE"u8, k, start, end));
        var result = new byte[keys.Length][];
        string? failure = null;
        SysopsFastException? refusal = null;
        for (var i = 0; i < replies.Length; i++)
        {
            // Every reply is awaited (and its buffer returned) even after one failed.
            try
            {
                using var reply = await replies[i];
                var frame = reply.Read();
                if (frame.Error is { } error && !error.StartsWith("WRONGTYPE", StringComparison.Ordinal))
                {
                    failure ??= error;
                }
                result[i] = frame.Error is null && frame.TryReadBulk(out var header) ? header.ToArray() : [];
            }
            catch (SysopsFastException e) when (e.IsConfiguration)
            {
                refusal ??= e;
            }
            catch (Exception e) when (e is IOException or TimeoutException or ObjectDisposedException or InvalidDataException or SysopsFastException)
            {
                failure ??= e.Message;
            }
        }
        // Only a missing key or one of another type is "missing"; any other error is the server's.
        return refusal is not null ? throw refusal : failure is null ? result : throw new InvalidDataException("GETRANGE failed: " + failure);
    }

    /// <summary>A server loading, busy or cut off must fail over, not answer with fewer keys.</summary>
    private static void ThrowIfServerInTrouble(string error)
    {
        string[] transient = ["LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "NOAUTH", "READONLY"];
        if (transient.Any(t => error.StartsWith(t, StringComparison.Ordinal)))
        {
            throw new InvalidDataException("the server refused the header read: " + error);
        }
    }

    public async Task<long> PublishAsync(string channel, string message)
    {
        using var reply = await connection.SendAsync(refusalIsReply: true, "PUBLISH"u8, Encoding.UTF8.GetBytes(channel), Encoding.UTF8.GetBytes(message));
        var frame = reply.Read();
        return frame.Error is null ? frame.ReadInteger() : 0;
    }

    public async Task AppendToStreamAsync(string stream, IReadOnlyList<KeyValuePair<string, string>> fields, long maxLength)
    {
        byte[][] args = [Encoding.UTF8.GetBytes(stream), "MAXLEN"u8.ToArray(), "~"u8.ToArray(), Ascii(maxLength), "*"u8.ToArray(),
            .. fields.SelectMany(f => new[] { Encoding.UTF8.GetBytes(f.Key), Encoding.UTF8.GetBytes(f.Value) })];
        using var reply = await connection.SendAsync("XADD"u8, args);
        if (reply.Read().Error is { } error)
        {
            throw Errors.ServerRefused(Name, "XADD", error);
        }
    }

    public async Task<IReadOnlyList<StreamEntry>> StreamRangeAsync(string stream, string afterId, int count)
    {
        var start = afterId == "-" ? "-" : "(" + afterId;
        using var reply = await connection.SendAsync("XRANGE"u8, Encoding.UTF8.GetBytes(stream), Encoding.ASCII.GetBytes(start), "+"u8.ToArray(), "COUNT"u8.ToArray(), Ascii(count));
        var frame = reply.Read();
        if (frame.Error is { } error)
        {
            throw Errors.ServerRefused(Name, "XRANGE", error);
        }
        var entries = new List<StreamEntry>();
        for (var n = frame.ReadArrayLength(); n > 0; n--)
        {
            if (frame.ReadArrayLength() != 2 || !frame.TryReadBulk(out var id))
            {
                throw new InvalidDataException("XRANGE did not return [id, fields] entries");
            }
            var fields = new List<KeyValuePair<string, string>>();
            for (var f = frame.ReadArrayLength() / 2; f > 0; f--)
            {
                frame.TryReadBulk(out var name);
                var key = Encoding.UTF8.GetString(name);
                frame.TryReadBulk(out var value);
                fields.Add(new(key, Encoding.UTF8.GetString(value)));
            }
            entries.Add(new StreamEntry(Encoding.ASCII.GetString(id), fields));
        }
        return entries;
    }

    public async Task<IReadOnlyList<(string Node, string? Info)>> InfoAsync()
    {
        var info = await InfoSectionAsync([]);
        // Garnet's default INFO has no Keyspace section (the key counts); it gives it when asked.
        if (!info.Contains("# Keyspace", StringComparison.Ordinal))
        {
            info += "\n" + await InfoSectionAsync(["keyspace"u8.ToArray()]);
        }
        return [(Name, info)];
    }

    private async Task<string> InfoSectionAsync(byte[][] section)
    {
        using var reply = await connection.SendAsync("INFO"u8, section);
        var frame = reply.Read();
        if (frame.Error is { } error)
        {
            throw new InvalidDataException("INFO failed: " + error);
        }
        return frame.TryReadBulk(out var text) ? Encoding.UTF8.GetString(text) : "";
    }

    private static byte[] Ascii(long value) => Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));

    private static async Task DiscardAsync(Task<RespReply> reply)
    {
        try
        {
            (await reply).Dispose();
        }
        catch (Exception e) when (e is IOException or TimeoutException or ObjectDisposedException or InvalidDataException or SysopsFastException)
        {
            // Pruning is housekeeping: the query does not depend on it.
        }
    }
}
