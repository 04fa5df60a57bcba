using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace SysopsFast.Redis;

/// <summary>A standalone server over our own <see cref="RespConnection"/> (a cluster: <see cref="ClusterQueryServer"/>).</summary>
internal sealed class RespQueryServer(RespConnection connection) : IQueryServer
{
    public string Name => connection.Server;

    public bool IsBroken => connection.IsBroken;

    public ValueTask DisposeAsync() => connection.DisposeAsync();

    public void Close() => connection.Close();

    public async Task<bool> KeyExistsAsync(byte[] key)
    {
        using var reply = await connection.SendAsync("EXISTS"u8, key);
        return reply.Read().ReadInteger() > 0;
    }

    public async IAsyncEnumerable<ScoredPage> SortedSetScanAsync(byte[] key, string? match, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken, int maxMemberLength = int.MaxValue, byte[]? memberSuffix = null)
    {
        var cursor = Zero;
        var tail = ZscanArguments(match, pageSize);
        using var page = new ScoredPage();
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            page.Clear();
            using (var reply = await connection.SendAsync("ZSCAN"u8, [key, cursor, .. tail]))
            {
                cursor = ReadMembers(reply, page, maxMemberLength, memberSuffix);
            }
            yield return page;
        }
        while (!cursor.AsSpan().SequenceEqual(Zero));
    }

    /// <summary>"0": the cursor that starts a scan (and that its last page returns), the start of a range.</summary>
    internal static readonly byte[] Zero = "0"u8.ToArray();

    /// <summary>ZSCAN's arguments after the key and the cursor.</summary>
    internal static byte[][] ZscanArguments(string? match, int pageSize) =>
        match is null ? ["COUNT"u8.ToArray(), Ascii(pageSize)] : ["MATCH"u8.ToArray(), Encoding.UTF8.GetBytes(match), "COUNT"u8.ToArray(), Ascii(pageSize)];

    /// <summary>A ZSCAN reply's members with their scores into <paramref name="page"/> (see <see cref="IQueryServer.SortedSetScanAsync"/>); returns the next cursor.</summary>
    internal static byte[] ReadMembers(RespReply reply, ScoredPage page, int maxMemberLength, byte[]? memberSuffix)
    {
        var frame = reply.Read();
        if (frame.ReadArrayLength() != 2 || !frame.TryReadBulk(out var next))
        {
            throw new InvalidDataException("ZSCAN did not return [cursor, members]");
        }
        var cursor = next.ToArray();
        for (var n = frame.ReadArrayLength() / 2; n > 0; n--)
        {
            frame.TryReadBulk(out var member);
            frame.TryReadBulk(out var score);
            var kept = member.Length <= maxMemberLength;
            page.Add(kept ? member : default, kept ? memberSuffix : default, KeyCatalog.ParseScore(score));
        }
        return cursor;
    }

    public void RemoveMembers(byte[] key, byte[][] members) =>
        _ = DiscardAsync(connection.SendAsync(refusalIsReply: true, "ZREM"u8, [key, .. members]));

    public async Task<bool[]?> SortedSetContainsAsync(byte[] key, byte[][] members)
    {
        using var reply = await connection.SendAsync(refusalIsReply: true, "ZMSCORE"u8, [key, .. members]);
        return ReadContained(reply, members.Length);
    }

    /// <summary>A ZMSCORE reply as <see cref="IQueryServer.SortedSetContainsAsync"/> gives it: a score is a member, a nil is none.</summary>
    internal static bool[]? ReadContained(RespReply reply, int count)
    {
        var frame = reply.Read();
        if (frame.Error is not null || frame.ReadArrayLength() != count)
        {
            return null;
        }
        var found = new bool[count];
        for (var i = 0; i < count; i++)
        {
            found[i] = frame.TryReadBulk(out _);
        }
        return found;
    }

    public async Task<bool[]> KeysExistAsync(byte[][] keys)
    {
        if (keys.Length == 0)
        {
            return [];
        }
        using var reply = await connection.SendEachAsync("EXISTS"u8, keys);
        var frame = reply.Read();
        var exists = new bool[keys.Length];
        for (var i = 0; i < exists.Length; i++)
        {
            exists[i] = frame.ReadInteger() > 0;
        }
        return exists;
    }

    public async Task<(byte[]? Bytes, long Length)[]> GetBoundedAsync(IReadOnlyList<byte[]> keys, int maxLength)
    {
        var end = Ascii(maxLength - 1);
        var lengths = keys.Select(k => connection.SendAsync("STRLEN"u8, k)).ToArray();
        var prefixes = keys.Select(k => connection.SendAsync("GETRANGE"u8, k, Zero, end)).ToArray();
        var result = new (byte[]?, long)[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            result[i] = await ReadBoundedAsync(lengths[i], prefixes[i]);
        }
        return result;
    }

    /// <summary>A key's STRLEN and GETRANGE replies as <see cref="IQueryServer.GetBoundedAsync"/> gives them.</summary>
    internal static async Task<(byte[]? Bytes, long Length)> ReadBoundedAsync(Task<RespReply> lengthReply, Task<RespReply> prefixReply)
    {
        using var length = await lengthReply;
        using var prefix = await prefixReply;
        var n = length.Read();
        var bytes = prefix.Read();
        // A key of another type (WRONGTYPE) is no dictionary: as missing.
        return n.Error is null && bytes.Error is null && bytes.TryReadBulk(out var value) && value.Length > 0 ? (value.ToArray(), n.ReadInteger()) : (null, 0);
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

    public List<Task<IMgetPart>> Mget(KeyPage keys, DuplicateGroup?[]? duplicates = null) => [MgetAsync(keys, duplicates)];

    private async Task<IMgetPart> MgetAsync(KeyPage keys, DuplicateGroup?[]? duplicates)
    {
        RespReply reply;
        try
        {
            reply = await connection.SendAsync("MGET"u8, keys);
        }
        catch
        {
            keys.Dispose();
            throw;
        }
        return RespReplyMgetPart.Checked(reply, keys, duplicates);
    }

    private bool _noHeaders;

    public async Task<byte[][]?> HeadersAsync(KeyPage keys)
    {
        if (_noHeaders)
        {
            return null;
        }
        if (keys.Count == 0)
        {
            return [];
        }
        try
        {
            return await ReadHeadersAsync(connection.SendEachAsync("GETRANGE"u8, keys, HeaderRange), keys.Count);
        }
        catch (SysopsFastException e) when (e.Kind == ErrorKind.Configuration)
        {
            // GETRANGE refused by an ACL: whole records are fetched instead, from now on.
            _noHeaders = true;
            return null;
        }
    }

    /// <summary>GETRANGE's arguments after the key for a record's header.</summary>
    internal static readonly byte[][] HeaderRange = [Zero, Ascii(Format.RecordHeader.Size - 1)];

    /// <summary>
    /// One GETRANGE 0..119 per key, pipelined in one write and answered as one reply: a page of
    /// headers per round trip, as fast as the script this replaced, and nothing a reader runs can
    /// hold the server (readers may not run scripts: docs/SECURITY.md).
    /// </summary>
    public async Task<byte[][]> ReadHeadersAsync(byte[][] keys)
    {
        if (keys.Length == 0)
        {
            return [];
        }
        return await ReadHeadersAsync(connection.SendEachAsync("GETRANGE"u8, keys, HeaderRange), keys.Length);
    }

    private async Task<byte[][]> ReadHeadersAsync(Task<RespReply> sent, int count)
    {
        using var reply = await sent;
        var frame = reply.Read();
        var headers = new byte[count][];
        for (var i = 0; i < headers.Length; i++)
        {
            headers[i] = ReadHeader(ref frame, Name);
        }
        return headers;
    }

    /// <summary>One GETRANGE reply of <see cref="ReadHeadersAsync(byte[][])"/>: the header, or empty for a missing key or one of another type.</summary>
    internal static byte[] ReadHeader(ref RespFrame frame, string server)
    {
        if (frame.TryReadError(out var error))
        {
            // Only a key of another type is "missing"; any other error is the server's.
            return error.StartsWith("WRONGTYPE", StringComparison.Ordinal) ? [] : throw ReadFailed("GETRANGE", error, server);
        }
        return frame.TryReadBulk(out var header) ? header.ToArray() : [];
    }

    /// <summary>A refusal is the user's to fix; a server loading, busy or cut off must fail over, not answer with fewer keys.</summary>
    private static Exception ReadFailed(string command, string error, string server) =>
        error.StartsWith("NOPERM", StringComparison.Ordinal) ? Errors.NoPermission(server, command, error) : new InvalidDataException(command + " failed: " + error);

    public async Task<byte[][][]> ListRangesAsync(byte[][] keys)
    {
        if (keys.Length == 0)
        {
            return [];
        }
        using var reply = await connection.SendEachAsync("LRANGE"u8, keys, WholeList);
        var frame = reply.Read();
        var lists = new byte[keys.Length][][];
        for (var i = 0; i < lists.Length; i++)
        {
            lists[i] = ReadList(ref frame, Name);
        }
        return lists;
    }

    /// <summary>LRANGE's arguments after the key for the whole list.</summary>
    internal static readonly byte[][] WholeList = [Zero, "-1"u8.ToArray()];

    /// <summary>One LRANGE reply of <see cref="ListRangesAsync"/>: the elements copied out, or none for a missing key or one of another type.</summary>
    internal static byte[][] ReadList(ref RespFrame frame, string server)
    {
        if (frame.TryReadError(out var error))
        {
            return error.StartsWith("WRONGTYPE", StringComparison.Ordinal) ? [] : throw ReadFailed("LRANGE", error, server);
        }
        var list = new byte[Math.Max(0, frame.ReadArrayLength())][];
        for (var i = 0; i < list.Length; i++)
        {
            // A nil element cannot be in a list: an empty entry, which no reader accepts.
            list[i] = frame.TryReadBulk(out var element) ? element.ToArray() : [];
        }
        return list;
    }

    public async Task<long> PublishAsync(string channel, string message)
    {
        using var reply = await connection.SendAsync(refusalIsReply: true, "PUBLISH"u8, Encoding.UTF8.GetBytes(channel), Encoding.UTF8.GetBytes(message));
        var frame = reply.Read();
        return frame.Error is null ? frame.ReadInteger() : 0;
    }

    public async Task AppendToStreamAsync(string stream, IReadOnlyList<KeyValuePair<string, string>> fields, long maxLength)
    {
        using var reply = await connection.SendAsync("XADD"u8, StreamAddArguments(stream, fields, maxLength));
        CheckStreamAdded(reply, Name);
    }

    /// <summary>XADD's arguments: the stream, capped at about <paramref name="maxLength"/>, a new id, the fields.</summary>
    internal static byte[][] StreamAddArguments(string stream, IReadOnlyList<KeyValuePair<string, string>> fields, long maxLength) =>
        [Encoding.UTF8.GetBytes(stream), "MAXLEN"u8.ToArray(), "~"u8.ToArray(), Ascii(maxLength), "*"u8.ToArray(),
            .. fields.SelectMany(f => new[] { Encoding.UTF8.GetBytes(f.Key), Encoding.UTF8.GetBytes(f.Value) })];

    internal static void CheckStreamAdded(RespReply reply, string server)
    {
        if (reply.Read().Error is { } error)
        {
            throw Errors.ServerRefused(server, "XADD", error);
        }
    }

    public async Task<IReadOnlyList<StreamEntry>> StreamRangeAsync(string stream, string afterId, int count)
    {
        using var reply = await connection.SendAsync("XRANGE"u8, StreamRangeArguments(stream, afterId, count));
        return ReadStreamEntries(reply, Name);
    }

    /// <summary>XRANGE's arguments: up to <paramref name="count"/> entries after <paramref name="afterId"/>.</summary>
    internal static byte[][] StreamRangeArguments(string stream, string afterId, int count) =>
        [Encoding.UTF8.GetBytes(stream), Encoding.ASCII.GetBytes(afterId == "-" ? "-" : "(" + afterId), "+"u8.ToArray(), "COUNT"u8.ToArray(), Ascii(count)];

    internal static List<StreamEntry> ReadStreamEntries(RespReply reply, string server)
    {
        var frame = reply.Read();
        if (frame.Error is { } error)
        {
            throw Errors.ServerRefused(server, "XRANGE", error);
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

    internal static byte[] Ascii(long value) => Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));

    internal static async Task DiscardAsync(Task<RespReply> reply)
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
