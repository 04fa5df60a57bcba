using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Text;
using SysopsFast.Format;

namespace SysopsFast.Redis;

/// <summary>
/// Our own connections to a Redis Cluster: one <see cref="RespConnection"/> per node, the slot map
/// (<see cref="ClusterSlotMap"/>) read with them, and commands routed by hash slot. A MOVED reply
/// refreshes the map and resends the command to the slot's new owner; an ASK reply (a slot being
/// migrated) resends it to the named node right after ASKING. Every primary is connected before the
/// first command, so one that refuses fails at once, naming itself; each replica too, in READONLY
/// mode, and one that cannot be reached or refuses READONLY is simply not read from. Reads
/// (<see cref="ReadAsync"/>) are spread over a slot's primary and replicas; a node lost, or found
/// dead by <see cref="ClusterLiveness"/>, is read no more.
/// </summary>
internal sealed class ClusterRouter : IAsyncDisposable
{
    /// <summary>Redirections followed for one command: a slot moves once per migration, so more is a loop.</summary>
    private const int MaxRedirections = 16;

    private readonly ServerAddress _seed;
    private readonly RespConnection _seedConnection;
    private readonly TimeSpan _connectTimeout;
    private readonly TimeSpan _commandTimeout;
    private readonly bool _readReplicas;
    private readonly ConcurrentDictionary<ServerAddress, Lazy<Task<RespConnection>>> _nodes = new();
    private readonly ConcurrentDictionary<ServerAddress, RespConnection> _connected = new();

    /// <summary>Replicas in READONLY mode that have not refused a read.</summary>
    private readonly ConcurrentDictionary<ServerAddress, bool> _readable = new();

    /// <summary>Nodes whose connection was lost or found dead during this router's life.</summary>
    private readonly ConcurrentDictionary<ServerAddress, bool> _dead = new();
    private readonly Lock _refreshLock = new();
    private readonly ClusterLiveness _liveness;
    private ClusterSlotMap _map = null!;
    private Task? _refresh;
    private int _turn;
    private volatile bool _failed;

    private ClusterRouter(ServerAddress seed, RespConnection seedConnection, TimeSpan connectTimeout, TimeSpan commandTimeout, bool readReplicas)
    {
        _seed = seed;
        _seedConnection = seedConnection;
        _connectTimeout = connectTimeout;
        _commandTimeout = commandTimeout;
        _readReplicas = readReplicas;
        // The seed is usually a primary of the map: its connection serves it.
        _nodes[seed] = new Lazy<Task<RespConnection>>(Task.FromResult(seedConnection));
        _connected[seed] = seedConnection;
        _liveness = new ClusterLiveness(() => _connected, ConnectProbeAsync, HasStandIn);
    }

    /// <summary>
    /// Reads the slot map through <paramref name="seedConnection"/> (which the router then owns) and
    /// connects every primary, and every replica when <paramref name="readReplicas"/>. Disposes
    /// everything if that fails.
    /// </summary>
    public static async Task<ClusterRouter> ConnectAsync(RespConnection seedConnection, ServerAddress seed, TimeSpan connectTimeout, TimeSpan commandTimeout, bool readReplicas = true)
    {
        var router = new ClusterRouter(seed, seedConnection, connectTimeout, commandTimeout, readReplicas);
        try
        {
            router._map = await ReadMapAsync(seedConnection, seed);
            IEnumerable<Task> replicas = readReplicas ? router._map.Replicas.Select(router.ConnectReplicaAsync) : [];
            await Task.WhenAll(Task.WhenAll(router._map.Primaries.Select(router.NodeAsync)), Task.WhenAll(replicas));
            router._liveness.Prepare(router._connected.Keys);
            return router;
        }
        catch
        {
            await router.DisposeAsync();
            throw;
        }
    }

    /// <summary>The slot map as last read (and corrected by MOVED replies since).</summary>
    public ClusterSlotMap Map => Volatile.Read(ref _map);

    /// <summary>The node the map was read from: any node answers PUBLISH for the whole cluster.</summary>
    public RespConnection Seed => _seedConnection;

    /// <summary>A connection failed: a later query must connect (and read the map) again.</summary>
    public bool IsBroken => _failed || _connected.Values.Any(c => c.IsBroken);

    /// <summary>The connection to <paramref name="node"/>, made on first use.</summary>
    public Task<RespConnection> NodeAsync(ServerAddress node) =>
        _nodes.GetOrAdd(node, n => new Lazy<Task<RespConnection>>(() => ConnectNodeAsync(n, readOnly: false))).Value;

    private async Task<RespConnection> ConnectNodeAsync(ServerAddress node, bool readOnly)
    {
        RespConnection connection;
        try
        {
            connection = await RespConnection.ConnectAsync(node, _connectTimeout, _commandTimeout, CancellationToken.None);
        }
        catch (SysopsFastException e)
        {
            // A replica that cannot be reached only is not read from.
            _failed |= !readOnly;
            // Named for itself: the core is read through its seed, and this node is another one.
            throw e.Kind == ErrorKind.Configuration ? e : Errors.ClusterNodeUnreachable(node.ToString(), e);
        }
        _connected[node] = connection;
        if (readOnly)
        {
            // After AUTH (the handshake): a replica serves reads of its primary's slots only in READONLY mode.
            using var reply = await connection.SendAsync(refusalIsReply: true, "READONLY"u8);
            if (reply.Read().Error is null)
            {
                _readable[node] = true;
            }
        }
        return connection;
    }

    /// <summary>Connects a replica in READONLY mode; one that cannot be reached, or refuses, is left out of the reads.</summary>
    private async Task ConnectReplicaAsync(ServerAddress replica)
    {
        try
        {
            await _nodes.GetOrAdd(replica, n => new Lazy<Task<RespConnection>>(() => ConnectNodeAsync(n, readOnly: true))).Value;
        }
        catch (Exception e) when (e is SysopsFastException or IOException or TimeoutException or InvalidDataException)
        {
            // Its slots are read from their primary.
        }
    }

    /// <summary>A connection of its own for <see cref="ClusterLiveness"/>'s PINGs.</summary>
    private Task<RespConnection> ConnectProbeAsync(ServerAddress node) =>
        RespConnection.ConnectAsync(node, _connectTimeout, _commandTimeout, CancellationToken.None);

    /// <summary>A number that changes with each call: which of a slot's readers a read goes to.</summary>
    public int NextTurn() => Interlocked.Increment(ref _turn);

    /// <summary>
    /// The node to read <paramref name="slot"/> from this <paramref name="turn"/>: its primary and
    /// its readable replicas in turn (the primary alone when replicas are not read), nodes found
    /// dead left out.
    /// </summary>
    public ServerAddress Reader(int slot, int turn)
    {
        var readers = Map.Readers(slot);
        if (!_readReplicas || readers.Length == 1)
        {
            return readers[0];
        }
        var usable = 0;
        foreach (var r in readers)
        {
            usable += Usable(r, readers) ? 1 : 0;
        }
        var pick = usable == 0 ? 0 : (int)((uint)(slot + turn) % (uint)usable);
        foreach (var r in readers)
        {
            if (Usable(r, readers) && pick-- == 0)
            {
                return r;
            }
        }
        return readers[0];
    }

    /// <summary>Another node than <paramref name="failed"/> that can serve reads of <paramref name="slot"/> (its primary first), or null.</summary>
    public ServerAddress? StandIn(int slot, ServerAddress failed)
    {
        var readers = Map.Readers(slot);
        foreach (var r in readers)
        {
            if (r != failed && Usable(r, readers) && (_readReplicas || r == readers[0]))
            {
                return r;
            }
        }
        return null;
    }

    private bool Usable(ServerAddress node, ServerAddress[] readers) =>
        !_dead.ContainsKey(node) && (node == readers[0] || _readable.ContainsKey(node));

    /// <summary>Whether another node can serve the reads of <paramref name="node"/>'s slots (for <see cref="ClusterLiveness"/>).</summary>
    private bool HasStandIn(ServerAddress node)
    {
        var map = Map;
        for (var slot = 0; slot < ClusterSlots.Count; slot++)
        {
            var readers = map.Readers(slot);
            if (Array.IndexOf(readers, node) >= 0)
            {
                return StandIn(slot, node) is not null;
            }
        }
        return false;
    }

    /// <summary>Whether <paramref name="node"/>'s connection is lost (dropped, or failed by the liveness probe); if so it is read no more.</summary>
    public bool Lost(ServerAddress node)
    {
        if (!_connected.TryGetValue(node, out var connection) || !connection.IsBroken)
        {
            return false;
        }
        _dead[node] = true;
        _readable.TryRemove(node, out _);
        return true;
    }

    /// <summary>
    /// Sends a read of <paramref name="slot"/> to <paramref name="node"/> (one of its readers, see
    /// <see cref="Reader"/>) and returns the reply with the node to send the next read of a scan to.
    /// The primary's redirections are followed (<see cref="SendAsync(int, Func{ClusterHop, Task{RespReply}}, bool)"/>).
    /// A replica that answers an error (MOVED: it is not in READONLY mode or its map is stale;
    /// LOADING…) is read no more and the read goes to the primary; a node lost goes to another
    /// reader of the slot. <paramref name="restart"/> marks the first hop as redirected (a scan
    /// starts over), as does every hop to another node; with no node left, the loss is the error.
    /// </summary>
    public async Task<(RespReply Reply, ServerAddress Node)> ReadAsync(int slot, ServerAddress node, bool restart, Func<ClusterHop, Task<RespReply>> send)
    {
        for (var hops = 0; ; hops++)
        {
            if (hops > MaxRedirections)
            {
                throw new IOException($"no node of the cluster would serve slot {slot}: its primary was lost and its replicas refused");
            }
            if (node == Map.Owner(slot) || !Map.IsReplica(node))
            {
                try
                {
                    return (await SendAsync(slot, send, restart), Map.Owner(slot));
                }
                catch (Exception) when (Lost(Map.Owner(slot)) && StandIn(slot, Map.Owner(slot)) is { } other)
                {
                    (node, restart) = (other, true);
                    continue;
                }
            }
            RespReply reply;
            try
            {
                reply = await send(new ClusterHop(await NodeAsync(node), Asking: false, Redirected: restart));
            }
            catch (Exception) when (Lost(node))
            {
                (node, restart) = (StandIn(slot, node) ?? Map.Owner(slot), true);
                continue;
            }
            if (reply.Read().Error is { } error)
            {
                reply.Dispose();
                await RefusedAsync(slot, node, error);
                (node, restart) = (Map.Owner(slot), true);
                continue;
            }
            return (reply, node);
        }
    }

    /// <summary>
    /// A replica answered a read of <paramref name="slot"/> with <paramref name="error"/>: MOVED to a
    /// node the map does not give the slot to is a resharding (the map is read again); any other
    /// error means the replica does not serve reads, and it is read no more.
    /// </summary>
    public async Task RefusedAsync(int slot, ServerAddress replica, string error)
    {
        if (TryReadRedirection(error, out var ask, out var host, out var port) && !ask
            && (_seed with { Host = host.Length == 0 ? replica.Host : host, Port = port }) != Map.Owner(slot))
        {
            await RefreshAsync();
            return;
        }
        _readable.TryRemove(replica, out _);
    }

    /// <summary>A primary answered MOVED for <paramref name="slot"/> (<paramref name="error"/>, read in a reply of several): the map is read again, and the slot given to the node named.</summary>
    public async Task MovedAsync(int slot, string error)
    {
        if (TryReadRedirection(error, out var ask, out var host, out var port) && !ask)
        {
            var owner = Map.Owner(slot);
            await RefreshAsync();
            Map.Moved(slot, _seed with { Host = host.Length == 0 ? owner.Host : host, Port = port });
        }
    }

    /// <summary>As <see cref="TryReadRedirection(ReadOnlySpan{byte}, out bool, out string, out int)"/>, for an error's text ("MOVED 3999 host:port").</summary>
    private static bool TryReadRedirection(string error, out bool ask, out string host, out int port) =>
        TryReadRedirection(Encoding.UTF8.GetBytes("-" + error + "\r\n"), out ask, out host, out port);

    /// <summary>Sends a command for <paramref name="key"/>'s slot (see <see cref="SendAsync(int, Func{ClusterHop, Task{RespReply}}, bool)"/>).</summary>
    public Task<RespReply> SendAsync(byte[] key, Func<ClusterHop, Task<RespReply>> send) => SendAsync(ClusterSlots.Of(key), send);

    /// <summary>
    /// Sends a command to the owner of <paramref name="slot"/> and follows MOVED and ASK until a node
    /// answers it; that reply (an error reply included, TRYAGAIN among them) is the result. With
    /// <paramref name="restart"/>, the first hop counts as redirected too (a scan starts over).
    /// </summary>
    public async Task<RespReply> SendAsync(int slot, Func<ClusterHop, Task<RespReply>> send, bool restart = false)
    {
        var node = Map.Owner(slot);
        var connection = await NodeAsync(node);
        return await FollowAsync(slot, node, connection, send(new ClusterHop(connection, Asking: false, Redirected: restart)), send);
    }

    /// <summary>
    /// The reply to a command already sent to <paramref name="node"/> (<paramref name="sent"/>), MOVED
    /// and ASK followed by sending it again with <paramref name="send"/>.
    /// </summary>
    public async Task<RespReply> FollowAsync(int slot, ServerAddress node, RespConnection connection, Task<RespReply> sent, Func<ClusterHop, Task<RespReply>> send)
    {
        var hop = new ClusterHop(connection, Asking: false, Redirected: false);
        for (var redirections = 0; ; redirections++)
        {
            RespReply reply;
            try
            {
                reply = await sent;
            }
            catch (TimeoutException e)
            {
                throw NodeTimedOut(hop.Connection, e);
            }
            if (!TryReadRedirection(reply.Span, out var ask, out var host, out var port))
            {
                return reply;
            }
            reply.Dispose();
            if (redirections == MaxRedirections)
            {
                throw new IOException($"slot {slot} was redirected {MaxRedirections} times in a row (the cluster's nodes disagree about who serves it)");
            }
            // An empty host is "the node you asked".
            node = _seed with { Host = host.Length == 0 ? node.Host : host, Port = port };
            if (!ask)
            {
                // The slot has moved for good, and others may have with it: the map is read again.
                await RefreshAsync();
                Map.Moved(slot, node);
            }
            hop = new ClusterHop(await NodeAsync(node), ask, Redirected: true);
            sent = send(hop);
        }
    }

    /// <summary>
    /// A node that stopped answering, named: the core is named for its seed, and "timed out" alone
    /// would not say which of the cluster's primaries it was.
    /// </summary>
    public static IOException NodeTimedOut(RespConnection connection, TimeoutException e) =>
        new($"the cluster's primary {connection.Server} stopped answering ({e.Message})", e);

    /// <summary>Reads the map again, or waits for the reading already under way.</summary>
    private Task RefreshAsync()
    {
        lock (_refreshLock)
        {
            return _refresh is { IsCompleted: false } running ? running : _refresh = ReadMapAgainAsync();
        }
    }

    private async Task ReadMapAgainAsync()
    {
        Exception? last = null;
        foreach (var connection in _connected.Values.Where(c => !c.IsBroken))
        {
            try
            {
                Volatile.Write(ref _map, await ReadMapAsync(connection, _seed));
                return;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or TimeoutException)
            {
                last = e;
            }
        }
        throw last ?? new IOException("no node of the cluster is connected to read its slot map from");
    }

    /// <summary>CLUSTER SHARDS (Redis 7), or CLUSTER SLOTS where the server does not know it.</summary>
    private static async Task<ClusterSlotMap> ReadMapAsync(RespConnection connection, ServerAddress seed)
    {
        using (var shards = await connection.SendAsync("CLUSTER"u8, "SHARDS"u8.ToArray()))
        {
            if (shards.Read().Error is null)
            {
                return ClusterSlotMap.FromShards(shards, seed);
            }
        }
        using var slots = await connection.SendAsync("CLUSTER"u8, "SLOTS"u8.ToArray());
        return slots.Read().Error is { } error ? throw new InvalidDataException("CLUSTER SLOTS failed: " + error) : ClusterSlotMap.FromSlots(slots, seed);
    }

    /// <summary>"-MOVED 3999 host:port" or "-ASK 3999 host:port": where to send the command instead.</summary>
    internal static bool TryReadRedirection(ReadOnlySpan<byte> reply, out bool ask, out string host, out int port)
    {
        ask = reply.StartsWith("-ASK "u8);
        (host, port) = ("", 0);
        if (!ask && !reply.StartsWith("-MOVED "u8))
        {
            return false;
        }
        var line = reply[..Math.Max(0, reply.IndexOf("\r\n"u8))];
        var endpoint = line[(line.LastIndexOf((byte)' ') + 1)..];
        var colon = endpoint.LastIndexOf((byte)':');
        if (colon < 0 || colon > 255 || !Utf8Parser.TryParse(endpoint[(colon + 1)..], out port, out var used) || used != endpoint.Length - colon - 1 || port is < 1 or > 65535)
        {
            throw new InvalidDataException("a cluster redirection without an address to follow");
        }
        host = Encoding.ASCII.GetString(endpoint[..colon]);
        return true;
    }

    /// <summary>Closes every node's socket at once.</summary>
    public void Close()
    {
        foreach (var connection in _connected.Values.Append(_seedConnection).Distinct())
        {
            connection.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _liveness.DisposeAsync();
        foreach (var connection in _connected.Values.Append(_seedConnection).Distinct())
        {
            await connection.DisposeAsync();
        }
        _connected.Clear();
    }
}

/// <summary>Where <see cref="ClusterRouter"/> sends a command this time: a node, after ASKING or not, and whether a redirection led there.</summary>
internal readonly record struct ClusterHop(RespConnection Connection, bool Asking, bool Redirected)
{
    public Task<RespReply> SendAsync(ReadOnlySpan<byte> command, params ReadOnlySpan<byte[]> args) =>
        Asking ? Connection.SendAskingAsync(command, args) : Connection.SendAsync(command, args);

    /// <summary>A command whose arguments are the keys of a page (MGET).</summary>
    public Task<RespReply> SendAsync(ReadOnlySpan<byte> command, KeyPage keys) => Connection.SendAsync(command, keys, Asking);
}
