using System.Collections.Concurrent;
using StackExchange.Redis;

namespace SysopsFast.Redis;

/// <summary>
/// The process's connections: one multiplexer per server, made once and shared by every stage.
/// (The servers of a fleet are independent primaries, so one multiplexer over all of them would let
/// the client route a keyed command to the wrong one.) Queries use our own RESP connection to a
/// standalone server over plain TCP, and a multiplexer for a Redis Cluster or TLS.
/// </summary>
public sealed class RedisConnections : IAsyncDisposable
{
    private readonly ConcurrentDictionary<ServerAddress, Lazy<Task<ConnectionMultiplexer>>> _muxers = new();
    private readonly TimeSpan _commandTimeout;
    private readonly ConcurrentDictionary<ServerAddress, Lazy<Task<IQueryServer>>> _queryServers = new();

    /// <summary>How long a connect (and the handshake after it) may take.</summary>
    internal static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);

    /// <param name="commandTimeout">Per-command timeout; writers (import, generate) keep the default minute.</param>
    public RedisConnections(TimeSpan? commandTimeout = null) => _commandTimeout = commandTimeout ?? TimeSpan.FromSeconds(60);

    public async Task<ConnectionMultiplexer> GetAsync(ServerAddress server, CancellationToken cancellationToken = default)
    {
        var lazy = _muxers.GetOrAdd(server, s => new Lazy<Task<ConnectionMultiplexer>>(() => ConnectAsync(s, _commandTimeout)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (SysopsFastException)
        {
            _muxers.TryRemove(server, out _);
            throw;
        }
    }

    /// <summary>The connection a query reads one server (or cluster) through; a broken one is replaced.</summary>
    internal async Task<IQueryServer> QueryServerAsync(ServerAddress server, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var lazy = _queryServers.GetOrAdd(server, s => new Lazy<Task<IQueryServer>>(() => ConnectQueryServerAsync(s)));
            IQueryServer connected;
            try
            {
                connected = await lazy.Value.WaitAsync(cancellationToken);
            }
            catch (SysopsFastException)
            {
                _queryServers.TryRemove(KeyValuePair.Create(server, lazy));
                throw;
            }
            if (!connected.IsBroken)
            {
                return connected;
            }
            _queryServers.TryRemove(KeyValuePair.Create(server, lazy));
            if (connected is RespQueryServer broken)
            {
                await broken.Connection.DisposeAsync();
            }
        }
    }

    private async Task<IQueryServer> ConnectQueryServerAsync(ServerAddress server)
    {
        if (!server.Tls)
        {
            var connection = await RespConnection.ConnectAsync(server, ConnectTimeout, _commandTimeout, CancellationToken.None);
            if (!connection.IsCluster)
            {
                return new RespQueryServer(connection);
            }
            // A cluster's slots must be routed and followed through MOVED: the multiplexer does that.
            await connection.DisposeAsync();
        }
        return new MultiplexerQueryServer(await DatabaseAsync(server), server.ToString());
    }

    public async Task<IDatabase> DatabaseAsync(ServerAddress server, CancellationToken cancellationToken = default) =>
        (await GetAsync(server, cancellationToken)).GetDatabase(server.Database);

    private static async Task<ConnectionMultiplexer> ConnectAsync(ServerAddress server, TimeSpan commandTimeout)
    {
        try
        {
            var options = server.ToConfiguration();
            options.AsyncTimeout = options.SyncTimeout = (int)commandTimeout.TotalMilliseconds;
            options.ConnectTimeout = (int)ConnectTimeout.TotalMilliseconds;
            return await ConnectionMultiplexer.ConnectAsync(options);
        }
        catch (Exception e) when (e is RedisConnectionException or RedisException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw Errors.ServerUnreachable(server.ToString(), e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var lazy in _queryServers.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && await lazy.Value is RespQueryServer resp)
            {
                await resp.Connection.DisposeAsync();
            }
        }
        _queryServers.Clear();
        foreach (var lazy in _muxers.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                await (await lazy.Value).DisposeAsync();
            }
        }
        _muxers.Clear();
    }
}
