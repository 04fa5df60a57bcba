using System.Runtime.CompilerServices;
using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// A whole Redis Cluster over our own connections (<see cref="ClusterRouter"/>: one per primary,
/// commands routed by slot, MOVED and ASK followed). Keyed commands go to their slot's owner; MGETs
/// go one per hash slot (a cluster refuses MGET across slots), each reply read in place as on a
/// standalone server (<see cref="RespReplyMgetPart"/>); SCAN and INFO go to every primary.
/// </summary>
internal sealed class ClusterQueryServer(ClusterRouter router, string name) : IQueryServer
{
    /// <summary>Reads one element of a pipelined reply, a key's.</summary>
    private delegate T ElementReader<out T>(ref RespFrame frame);

    public string Name => name;

    public bool IsBroken => router.IsBroken;

    public async Task<bool> KeyExistsAsync(byte[] key)
    {
        using var reply = await router.SendAsync(key, hop => hop.SendAsync("EXISTS"u8, key));
        return reply.Read().ReadInteger() > 0;
    }

    public async IAsyncEnumerable<ScoredPage> SortedSetScanAsync(byte[] key, string? match, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken, int maxMemberLength = int.MaxValue, byte[]? memberSuffix = null)
    {
        var cursor = RespQueryServer.Zero;
        var tail = RespQueryServer.ZscanArguments(match, pageSize);
        using var page = new ScoredPage();
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            page.Clear();
            // A redirected set moved whole to another node, where this cursor means nothing: the
            // scan starts over there (the caller drops the members it sees twice).
            using (var reply = await router.SendAsync(key, hop => hop.SendAsync("ZSCAN"u8, [key, hop.Redirected ? RespQueryServer.Zero : cursor, .. tail])))
            {
                cursor = RespQueryServer.ReadMembers(reply, page, maxMemberLength, memberSuffix);
            }
            yield return page;
        }
        while (!cursor.AsSpan().SequenceEqual(RespQueryServer.Zero));
    }

    public void RemoveMembers(byte[] key, byte[][] members) =>
        _ = RespQueryServer.DiscardAsync(router.SendAsync(key, hop => hop.SendAsync("ZREM"u8, [key, .. members])));

    public async Task<bool[]?> SortedSetContainsAsync(byte[] key, byte[][] members)
    {
        try
        {
            using var reply = await router.SendAsync(key, hop => hop.SendAsync("ZMSCORE"u8, [key, .. members]));
            return RespQueryServer.ReadContained(reply, members.Length);
        }
        catch (SysopsFastException e) when (e.Kind == ErrorKind.Configuration)
        {
            return null; // an ACL refusal: the caller does without
        }
    }

    public Task<bool[]> KeysExistAsync(byte[][] keys) =>
        EachAsync(keys, "EXISTS"u8.ToArray(), [], static (ref RespFrame frame) => frame.ReadInteger() > 0);

    public async Task<(byte[]? Bytes, long Length)[]> GetBoundedAsync(IReadOnlyList<byte[]> keys, int maxLength)
    {
        var end = RespQueryServer.Ascii(maxLength - 1);
        return await Task.WhenAll(keys.Select(k => RespQueryServer.ReadBoundedAsync(
            router.SendAsync(k, hop => hop.SendAsync("STRLEN"u8, k)),
            router.SendAsync(k, hop => hop.SendAsync("GETRANGE"u8, k, RespQueryServer.Zero, end)))));
    }

    /// <summary>Every primary in turn: a keyless SCAN would cover one node.</summary>
    public async IAsyncEnumerable<byte[][]> ScanAsync(string glob, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var primary in router.Map.Primaries)
        {
            var node = new RespQueryServer(await router.NodeAsync(primary));
            await foreach (var page in node.ScanAsync(glob, pageSize, cancellationToken))
            {
                yield return page;
            }
        }
    }

    /// <summary>One slot's keys of a batch (in the batch's order) and their duplicate groups.</summary>
    private sealed record SlotKeys(int Slot, byte[][] Keys, DuplicateGroup?[]? Duplicates);

    /// <summary>One MGET per slot; a primary's MGETs of the batch leave in one write.</summary>
    public List<Task<IMgetPart>> Mget(KeyPage page, DuplicateGroup?[]? duplicates = null)
    {
        // Regrouped by slot: each slot's part gets a page of its own.
        var keys = page.ToArrays();
        page.Dispose();
        var parts = new List<Task<IMgetPart>>();
        foreach (var (node, slots) in BySlotAndNode(keys, duplicates))
        {
            var sent = SendMgetsAsync(node, slots);
            for (var i = 0; i < slots.Count; i++)
            {
                parts.Add(MgetSlotAsync(slots[i], node, sent, i));
            }
        }
        return parts;
    }

    /// <summary>The batch's keys grouped by slot, the slots by the primary the map gives them.</summary>
    private Dictionary<ServerAddress, List<SlotKeys>> BySlotAndNode(byte[][] keys, DuplicateGroup?[]? duplicates)
    {
        var bySlot = new Dictionary<int, List<int>>();
        for (var i = 0; i < keys.Length; i++)
        {
            var slot = ClusterSlots.Of(keys[i]);
            if (!bySlot.TryGetValue(slot, out var indices))
            {
                bySlot[slot] = indices = [];
            }
            indices.Add(i);
        }
        var map = router.Map;
        var byNode = new Dictionary<ServerAddress, List<SlotKeys>>();
        foreach (var (slot, indices) in bySlot)
        {
            var slotKeys = new byte[indices.Count][];
            var slotDuplicates = duplicates is null ? null : new DuplicateGroup?[indices.Count];
            for (var j = 0; j < indices.Count; j++)
            {
                slotKeys[j] = keys[indices[j]];
                slotDuplicates?[j] = duplicates![indices[j]];
            }
            var node = map.Owner(slot);
            if (!byNode.TryGetValue(node, out var slots))
            {
                byNode[node] = slots = [];
            }
            slots.Add(new SlotKeys(slot, slotKeys, slotDuplicates));
        }
        return byNode;
    }

    private async Task<(RespConnection Connection, Task<RespReply>[] Replies)> SendMgetsAsync(ServerAddress node, List<SlotKeys> slots)
    {
        var connection = await router.NodeAsync(node);
        return (connection, connection.SendMany("MGET"u8, [.. slots.Select(s => s.Keys)]));
    }

    private async Task<IMgetPart> MgetSlotAsync(SlotKeys slot, ServerAddress node, Task<(RespConnection Connection, Task<RespReply>[] Replies)> sent, int index)
    {
        var (connection, replies) = await sent;
        var keys = slot.Keys;
        var reply = await router.FollowAsync(slot.Slot, node, connection, replies[index], hop => hop.SendAsync("MGET"u8, keys));
        return await CheckedAsync(slot.Slot, keys, slot.Duplicates, reply);
    }

    private async Task<IMgetPart> MgetSlotAsync(int slot, byte[][] keys, DuplicateGroup?[]? duplicates) =>
        await CheckedAsync(slot, keys, duplicates, await router.SendAsync(slot, hop => hop.SendAsync("MGET"u8, keys)));

    /// <summary>An MGET's reply as a part; TRYAGAIN (a slot half migrated) asks again one key at a time.</summary>
    private async Task<IMgetPart> CheckedAsync(int slot, byte[][] keys, DuplicateGroup?[]? duplicates, RespReply reply)
    {
        if (keys.Length > 1 && reply.Span.StartsWith("-TRYAGAIN"u8))
        {
            // The slot is being migrated and its keys are on both sides: one key at a time is
            // served whole by one side or the other (ASK).
            reply.Dispose();
            return await SingleKeysAsync(slot, keys, duplicates);
        }
        return RespReplyMgetPart.Checked(reply, KeyPage.Of(keys), duplicates);
    }

    private async Task<IMgetPart> SingleKeysAsync(int slot, byte[][] keys, DuplicateGroup?[]? duplicates)
    {
        var singles = keys.Select((k, i) => MgetSlotAsync(slot, [k], duplicates is null ? null : [duplicates[i]])).ToArray();
        try
        {
            return new MgetParts(await Task.WhenAll(singles));
        }
        catch
        {
            foreach (var single in singles.Where(s => s.IsCompletedSuccessfully))
            {
                (await single).Dispose();
            }
            throw;
        }
    }

    /// <summary>Not offered yet: identical records are fetched each for itself on a cluster.</summary>
    public Task<byte[][]?> HeadersAsync(KeyPage keys) => Task.FromResult<byte[][]?>(null);

    public Task<byte[][]> ReadHeadersAsync(byte[][] keys) =>
        EachAsync(keys, "GETRANGE"u8.ToArray(), RespQueryServer.HeaderRange, (ref RespFrame frame) => RespQueryServer.ReadHeader(ref frame, Name));

    /// <summary>
    /// One <paramref name="command"/> per key, pipelined to each key's node in one write per node;
    /// a key whose node answers MOVED or ASK is sent again alone, following the redirection.
    /// </summary>
    private async Task<T[]> EachAsync<T>(byte[][] keys, byte[] command, byte[][] tail, ElementReader<T> read)
    {
        var results = new T[keys.Length];
        var byNode = new Dictionary<ServerAddress, List<int>>();
        var map = router.Map;
        for (var i = 0; i < keys.Length; i++)
        {
            var node = map.Owner(ClusterSlots.Of(keys[i]));
            if (!byNode.TryGetValue(node, out var indices))
            {
                byNode[node] = indices = [];
            }
            indices.Add(i);
        }
        var sent = byNode.Select(async n =>
        {
            var connection = await router.NodeAsync(n.Key);
            try
            {
                using var reply = await connection.SendEachAsync(command, [.. n.Value.Select(i => keys[i])], tail);
                return ReadEach(reply, n.Value, results, read);
            }
            catch (TimeoutException e)
            {
                throw ClusterRouter.NodeTimedOut(connection, e);
            }
        }).ToArray();
        foreach (var i in (await Task.WhenAll(sent)).SelectMany(redirected => redirected))
        {
            using var reply = await router.SendAsync(keys[i], hop => hop.SendAsync(command, [keys[i], .. tail]));
            var frame = reply.Read();
            results[i] = read(ref frame);
        }
        return results;
    }

    /// <summary>Reads a node's pipelined replies into <paramref name="results"/>; returns the keys redirected.</summary>
    private static List<int> ReadEach<T>(RespReply reply, List<int> indices, T[] results, ElementReader<T> read)
    {
        var redirected = new List<int>();
        var frame = reply.Read();
        foreach (var i in indices)
        {
            if (frame.PeekType == (byte)'-' && IsRedirection(ref frame))
            {
                redirected.Add(i);
                continue;
            }
            results[i] = read(ref frame);
        }
        return redirected;
    }

    /// <summary>Whether the error the frame is at is MOVED or ASK (then read past), else left for the reader.</summary>
    private static bool IsRedirection(ref RespFrame frame)
    {
        var probe = frame;
        probe.TryReadError(out var error);
        if (!error.StartsWith("MOVED ", StringComparison.Ordinal) && !error.StartsWith("ASK ", StringComparison.Ordinal))
        {
            return false;
        }
        frame = probe;
        return true;
    }

    public async Task<long> PublishAsync(string channel, string message) =>
        await new RespQueryServer(router.Seed).PublishAsync(channel, message);

    public async Task AppendToStreamAsync(string stream, IReadOnlyList<KeyValuePair<string, string>> fields, long maxLength)
    {
        var key = System.Text.Encoding.UTF8.GetBytes(stream);
        var args = RespQueryServer.StreamAddArguments(stream, fields, maxLength);
        using var reply = await router.SendAsync(key, hop => hop.SendAsync("XADD"u8, args));
        RespQueryServer.CheckStreamAdded(reply, Name);
    }

    public async Task<IReadOnlyList<StreamEntry>> StreamRangeAsync(string stream, string afterId, int count)
    {
        var key = System.Text.Encoding.UTF8.GetBytes(stream);
        var args = RespQueryServer.StreamRangeArguments(stream, afterId, count);
        using var reply = await router.SendAsync(key, hop => hop.SendAsync("XRANGE"u8, args));
        return RespQueryServer.ReadStreamEntries(reply, Name);
    }

    /// <summary>INFO of every primary, in the order of their addresses.</summary>
    public async Task<IReadOnlyList<(string Node, string? Info)>> InfoAsync()
    {
        var primaries = router.Map.Primaries.OrderBy(p => p.ToString(), StringComparer.Ordinal).ToArray();
        var infos = await Task.WhenAll(primaries.Select(async p => (await new RespQueryServer(await router.NodeAsync(p)).InfoAsync())[0].Info));
        return [.. primaries.Select((p, i) => (p.ToString(), infos[i]))];
    }

    public ValueTask DisposeAsync() => router.DisposeAsync();

    public void Close() => router.Close();
}

/// <summary>One slot's MGET answered in several replies (a key at a time, during a migration), fed in key order.</summary>
internal sealed class MgetParts(IMgetPart[] parts) : IMgetPart
{
    public int Count { get; } = parts.Sum(p => p.Count);

    public byte[][] Unconfirmed => [.. parts.SelectMany(p => p.Unconfirmed)];

    public long Bytes => parts.Sum(p => p.Bytes);

    public bool Feed(IRecordConsumer consumer, KeyClaims? claims) => parts.All(p => p.Feed(consumer, claims));

    public void Dispose()
    {
        foreach (var part in parts)
        {
            part.Dispose();
        }
    }
}
