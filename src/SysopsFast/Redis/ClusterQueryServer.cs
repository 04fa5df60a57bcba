using System.Runtime.CompilerServices;
using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// A whole Redis Cluster over our own connections (<see cref="ClusterRouter"/>: one per node,
/// commands routed by slot, MOVED and ASK followed). Reads (MGET, the catalog's ZSCAN, the headers'
/// GETRANGE, EXISTS) are spread over each slot's primary and replicas and move to another of them
/// when a node is lost; MGETs go one per hash slot (a cluster refuses MGET across slots), a node's
/// MGETs of a batch in one write and one reply (<see cref="ClusterMgetPart"/>), read in place as on
/// a standalone server; writes go to the primary; SCAN and INFO go to every primary.
/// </summary>
internal sealed class ClusterQueryServer(ClusterRouter router, string name) : IQueryServer
{
    /// <summary>Reads one element of a pipelined reply, a key's; false when the key is absent (then a replica's answer is not final).</summary>
    private delegate bool ElementReader<T>(ref RespFrame frame, out T value);

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
        var slot = ClusterSlots.Of(key);
        // The whole scan on one node: a cursor means something only to the node that gave it.
        var node = router.Reader(slot, router.NextTurn());
        using var page = new ScoredPage();
        RespConnection? scannedOn = null;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            page.Clear();
            var (reply, next) = await router.ReadAsync(slot, node, restart: false, async hop =>
            {
                // A cursor means something only to the node that gave it: a page served by any other
                // node (a redirection, a loss, or the slot map read again between two pages) starts
                // the scan there from the start (the caller drops the members it sees twice).
                var answer = await hop.SendAsync("ZSCAN"u8, [key, ReferenceEquals(hop.Connection, scannedOn) ? cursor : RespQueryServer.Zero, .. tail]);
                if (!answer.Span.StartsWith("-"u8))
                {
                    scannedOn = hop.Connection;
                }
                return answer;
            });
            using (reply)
            {
                cursor = RespQueryServer.ReadMembers(reply, page, maxMemberLength, memberSuffix);
            }
            node = next;
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
        EachAsync(keys, "EXISTS"u8.ToArray(), [], static (ref RespFrame frame, out bool exists) => exists = frame.ReadInteger() > 0);

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

    /// <summary>
    /// One MGET per slot, a node's MGETs of the batch in one write: the batch's keys regrouped by
    /// slot into one pooled page per node (<see cref="SlotRuns"/>), each slot read from one of its
    /// readers in turn. A cluster never deduplicates (<see cref="HeadersAsync"/> is null), so
    /// <paramref name="duplicates"/> is always null here.
    /// </summary>
    public List<Task<IMgetPart>> Mget(KeyPage page, DuplicateGroup?[]? duplicates = null)
    {
        System.Diagnostics.Debug.Assert(duplicates is null, "a cluster offers no headers, so nothing is deduplicated");
        List<SlotRuns> groups;
        using (page)
        {
            var turn = router.NextTurn();
            groups = SlotRuns.Group(page, slot => router.Reader(slot, turn));
        }
        return groups.ConvertAll(MgetNodeAsync);
    }

    /// <summary>A node's runs of a batch: one write, one reply; what it did not answer for good is read again.</summary>
    private async Task<IMgetPart> MgetNodeAsync(SlotRuns runs)
    {
        var node = runs.Node;
        RespReply reply;
        try
        {
            reply = await (await router.NodeAsync(node)).SendRunsAsync("MGET"u8, runs.Keys, runs.Ends);
        }
        catch (Exception e) when (router.Lost(node))
        {
            using (runs)
            {
                return await ElsewhereAsync(runs, e);
            }
        }
        catch
        {
            runs.Dispose();
            throw;
        }
        var refused = new List<(int Run, string Error)>();
        var nils = new List<(int Run, KeyPage Keys)>();
        var replica = router.Map.IsReplica(node);
        var part = ClusterMgetPart.Checked(reply, runs, nilsElsewhere: replica, refused, nils);
        if (refused.Count == 0 && nils.Count == 0)
        {
            return part;
        }
        // Each started before any is awaited: the run's keys are copied out before the part could be disposed.
        var again = refused.Select(r => AgainAsync(node, replica, runs.Slot(r.Run), runs.Slice(r.Run), r.Error))
            .Concat(nils.Select(n => FromPrimaryAsync(runs.Slot(n.Run), n.Keys)))
            .ToArray();
        return await WithAsync(part, again);
    }

    /// <summary>The node was lost before it answered: each run is read from another of its slot's readers, or the loss is the error.</summary>
    private async Task<IMgetPart> ElsewhereAsync(SlotRuns runs, Exception loss)
    {
        var standIns = new ServerAddress[runs.Count];
        for (var run = 0; run < runs.Count; run++)
        {
            standIns[run] = router.StandIn(runs.Slot(run), runs.Node) ?? throw Lost(runs.Node, loss);
        }
        var parts = new Task<IMgetPart>[runs.Count];
        for (var run = 0; run < runs.Count; run++)
        {
            parts[run] = ReadRunAsync(runs.Slot(run), standIns[run], runs.Slice(run));
        }
        return await AllAsync(parts);
    }

    /// <summary>The loss of a node, as the error of a query that has nowhere else to read its slots.</summary>
    private static Exception Lost(ServerAddress node, Exception loss) => loss switch
    {
        TimeoutException t => new IOException($"the cluster's primary {node} stopped answering ({t.Message})", t),
        _ => loss,
    };

    /// <summary>A run answered with <paramref name="error"/>: read again where the error says.</summary>
    private async Task<IMgetPart> AgainAsync(ServerAddress node, bool replica, int slot, KeyPage keys, string error)
    {
        try
        {
            if (replica)
            {
                await router.RefusedAsync(slot, node, error);
            }
            else if (error.StartsWith("TRYAGAIN", StringComparison.Ordinal) && keys.Count > 1)
            {
                // The slot is being migrated and its keys are on both sides: one key at a time is
                // served whole by one side or the other (ASK).
                return await SingleKeysAsync(slot, keys);
            }
            else if (error.StartsWith("MOVED ", StringComparison.Ordinal))
            {
                await router.MovedAsync(slot, error);
            }
            else if (!error.StartsWith("ASK ", StringComparison.Ordinal) && !error.StartsWith("TRYAGAIN", StringComparison.Ordinal))
            {
                // ASK (TRYAGAIN of one key, which cannot be) is answered again by the owner, and followed; anything else is the server's failure.
                throw error.StartsWith("NOPERM", StringComparison.Ordinal) ? Errors.NoPermission(node.ToString(), "MGET", error) : new InvalidDataException($"MGET failed: {error}");
            }
        }
        catch
        {
            keys.Dispose();
            throw;
        }
        return await ReadRunAsync(slot, router.Map.Owner(slot), keys);
    }

    /// <summary>Keys a replica had no value for, asked of their slot's primary.</summary>
    private Task<IMgetPart> FromPrimaryAsync(int slot, KeyPage keys) => ReadRunAsync(slot, router.Map.Owner(slot), keys);

    /// <summary>One slot's MGET (which owns <paramref name="keys"/>) sent to <paramref name="node"/>, redirections and losses followed.</summary>
    private async Task<IMgetPart> ReadRunAsync(int slot, ServerAddress node, KeyPage keys)
    {
        RespReply reply;
        try
        {
            (reply, _) = await router.ReadAsync(slot, node, restart: false, hop => hop.SendAsync("MGET"u8, keys));
            if (keys.Count > 1 && reply.Span.StartsWith("-TRYAGAIN"u8))
            {
                reply.Dispose();
                return await SingleKeysAsync(slot, keys);
            }
        }
        catch
        {
            keys.Dispose();
            throw;
        }
        return RespReplyMgetPart.Checked(reply, keys, null);
    }

    /// <summary>Each key of <paramref name="keys"/> (disposed here) in an MGET of its own.</summary>
    private async Task<IMgetPart> SingleKeysAsync(int slot, KeyPage keys)
    {
        Task<IMgetPart>[] singles;
        using (keys)
        {
            singles = [.. Enumerable.Range(0, keys.Count).Select(i => ReadRunAsync(slot, router.Map.Owner(slot), keys.Slice(i, 1)))];
        }
        return await AllAsync(singles);
    }

    /// <summary><paramref name="first"/> and the parts of <paramref name="more"/>, as one; on a failure every part that arrived is disposed.</summary>
    private static async Task<IMgetPart> WithAsync(IMgetPart first, Task<IMgetPart>[] more)
    {
        try
        {
            var rest = await AllAsync(more);
            return new MgetParts([first, rest]);
        }
        catch
        {
            first.Dispose();
            throw;
        }
    }

    /// <summary>The parts of <paramref name="parts"/>, as one; on a failure every part that arrived is disposed.</summary>
    private static async Task<IMgetPart> AllAsync(Task<IMgetPart>[] parts)
    {
        try
        {
            return new MgetParts(await Task.WhenAll(parts));
        }
        catch
        {
            foreach (var part in parts)
            {
                try
                {
                    (await part).Dispose();
                }
                catch (Exception)
                {
                    // That one failed: it has nothing to give back.
                }
            }
            throw;
        }
    }

    /// <summary>Not offered yet: identical records are fetched each for itself on a cluster.</summary>
    public Task<byte[][]?> HeadersAsync(KeyPage keys) => Task.FromResult<byte[][]?>(null);

    public Task<byte[][]> ReadHeadersAsync(byte[][] keys) =>
        EachAsync(keys, "GETRANGE"u8.ToArray(), RespQueryServer.HeaderRange, (ref RespFrame frame, out byte[] header) => (header = RespQueryServer.ReadHeader(ref frame, Name)).Length > 0);

    public Task<byte[][][]> ListRangesAsync(byte[][] keys) =>
        EachAsync(keys, "LRANGE"u8.ToArray(), RespQueryServer.WholeList, (ref RespFrame frame, out byte[][] list) => (list = RespQueryServer.ReadList(ref frame, Name)).Length > 0);

    /// <summary>
    /// One <paramref name="command"/> per key, pipelined to a reader of each key's slot in one write
    /// per node; a key redirected, refused by a replica, absent on a replica, or whose node was lost
    /// is sent again alone to its slot's primary (or, that one lost, another reader).
    /// </summary>
    private async Task<T[]> EachAsync<T>(byte[][] keys, byte[] command, byte[][] tail, ElementReader<T> read)
    {
        var results = new T[keys.Length];
        var byNode = new Dictionary<ServerAddress, List<int>>();
        var turn = router.NextTurn();
        for (var i = 0; i < keys.Length; i++)
        {
            var node = router.Reader(ClusterSlots.Of(keys[i]), turn);
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
                return ReadEach(reply, n.Value, results, read, final: !router.Map.IsReplica(n.Key));
            }
            catch (Exception) when (router.Lost(n.Key) && n.Value.All(i => router.StandIn(ClusterSlots.Of(keys[i]), n.Key) is not null))
            {
                return n.Value;
            }
            catch (TimeoutException e)
            {
                throw ClusterRouter.NodeTimedOut(connection, e);
            }
        }).ToArray();
        // Keys asked again (redirected, or missing on a replica) go out together, each into its own slot of results.
        await Task.WhenAll((await Task.WhenAll(sent)).SelectMany(again => again).Select(async i =>
        {
            var slot = ClusterSlots.Of(keys[i]);
            var (reply, _) = await router.ReadAsync(slot, router.Map.Owner(slot), restart: false, hop => hop.SendAsync(command, [keys[i], .. tail]));
            using (reply)
            {
                var frame = reply.Read();
                read(ref frame, out results[i]);
            }
        }));
        return results;
    }

    /// <summary>
    /// Reads a node's pipelined replies into <paramref name="results"/>; returns the keys to ask
    /// again: those redirected, and, unless the node's answers are <paramref name="final"/> (a
    /// replica's are not), those it refused or found absent.
    /// </summary>
    private static List<int> ReadEach<T>(RespReply reply, List<int> indices, T[] results, ElementReader<T> read, bool final)
    {
        var again = new List<int>();
        var frame = reply.Read();
        foreach (var i in indices)
        {
            if (frame.PeekType == (byte)'-' && (!final || IsRedirection(ref frame)))
            {
                frame.Skip();
                again.Add(i);
                continue;
            }
            if (!read(ref frame, out results[i]) && !final)
            {
                again.Add(i);
            }
        }
        return again;
    }

    /// <summary>Whether the error the frame is at is MOVED or ASK (left unread), else left for the reader.</summary>
    private static bool IsRedirection(ref RespFrame frame)
    {
        var probe = frame;
        probe.TryReadError(out var error);
        return error.StartsWith("MOVED ", StringComparison.Ordinal) || error.StartsWith("ASK ", StringComparison.Ordinal);
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

/// <summary>MGETs answered in several replies (a node's, and its runs read again elsewhere; a slot's keys one at a time during a migration), fed in turn.</summary>
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
