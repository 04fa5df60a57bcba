using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Text;

namespace SysopsFast.Redis;

/// <summary>
/// Our own connections to a Redis Cluster: one <see cref="RespConnection"/> per primary, the slot map
/// (<see cref="ClusterSlotMap"/>) read with them, and commands routed by hash slot. A MOVED reply
/// refreshes the map and resends the command to the slot's new owner; an ASK reply (a slot being
/// migrated) resends it to the named node right after ASKING. Every primary is connected before the
/// first command, so one that refuses fails at once, naming itself.
/// </summary>
internal sealed class ClusterRouter : IAsyncDisposable
{
    /// <summary>Redirections followed for one command: a slot moves once per migration, so more is a loop.</summary>
    private const int MaxRedirections = 16;

    private readonly ServerAddress _seed;
    private readonly RespConnection _seedConnection;
    private readonly TimeSpan _connectTimeout;
    private readonly TimeSpan _commandTimeout;
    private readonly ConcurrentDictionary<ServerAddress, Lazy<Task<RespConnection>>> _nodes = new();
    private readonly ConcurrentDictionary<ServerAddress, RespConnection> _connected = new();
    private readonly Lock _refreshLock = new();
    private ClusterSlotMap _map = null!;
    private Task? _refresh;
    private volatile bool _failed;

    private ClusterRouter(ServerAddress seed, RespConnection seedConnection, TimeSpan connectTimeout, TimeSpan commandTimeout)
    {
        _seed = seed;
        _seedConnection = seedConnection;
        _connectTimeout = connectTimeout;
        _commandTimeout = commandTimeout;
        // The seed is usually a primary of the map: its connection serves it.
        _nodes[seed] = new Lazy<Task<RespConnection>>(Task.FromResult(seedConnection));
        _connected[seed] = seedConnection;
    }

    /// <summary>
    /// Reads the slot map through <paramref name="seedConnection"/> (which the router then owns) and
    /// connects every primary. Disposes everything if that fails.
    /// </summary>
    public static async Task<ClusterRouter> ConnectAsync(RespConnection seedConnection, ServerAddress seed, TimeSpan connectTimeout, TimeSpan commandTimeout)
    {
        var router = new ClusterRouter(seed, seedConnection, connectTimeout, commandTimeout);
        try
        {
            router._map = await ReadMapAsync(seedConnection, seed);
            await Task.WhenAll(router._map.Primaries.Select(router.NodeAsync));
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
        _nodes.GetOrAdd(node, n => new Lazy<Task<RespConnection>>(() => ConnectNodeAsync(n))).Value;

    private async Task<RespConnection> ConnectNodeAsync(ServerAddress node)
    {
        try
        {
            var connection = await RespConnection.ConnectAsync(node, _connectTimeout, _commandTimeout, CancellationToken.None);
            _connected[node] = connection;
            return connection;
        }
        catch (SysopsFastException e)
        {
            _failed = true;
            // Named for itself: the core is read through its seed, and this node is another one.
            throw e.Kind == ErrorKind.Configuration ? e : Errors.ClusterNodeUnreachable(node.ToString(), e);
        }
    }

    /// <summary>Sends a command for <paramref name="key"/>'s slot (see <see cref="SendAsync(int, Func{ClusterHop, Task{RespReply}})"/>).</summary>
    public Task<RespReply> SendAsync(byte[] key, Func<ClusterHop, Task<RespReply>> send) => SendAsync(ClusterSlots.Of(key), send);

    /// <summary>
    /// Sends a command to the owner of <paramref name="slot"/> and follows MOVED and ASK until a node
    /// answers it; that reply (an error reply included, TRYAGAIN among them) is the result.
    /// </summary>
    public async Task<RespReply> SendAsync(int slot, Func<ClusterHop, Task<RespReply>> send)
    {
        var node = Map.Owner(slot);
        var connection = await NodeAsync(node);
        return await FollowAsync(slot, node, connection, send(new ClusterHop(connection, Asking: false, Redirected: false)), send);
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
}
