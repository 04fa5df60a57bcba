using System.Collections.Concurrent;
using StackExchange.Redis;

namespace SysopsFast.Redis;

/// <summary>
/// The process's connections: one multiplexer per server, made once and shared by every stage.
/// (The servers of a fleet are independent primaries, so one multiplexer over all of them would let
/// the client route a keyed command to the wrong one.)
/// </summary>
public sealed class RedisConnections : IAsyncDisposable
{
    private readonly ConcurrentDictionary<ServerAddress, Lazy<Task<ConnectionMultiplexer>>> _muxers = new();
    private readonly TimeSpan _commandTimeout;

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

    public async Task<IDatabase> DatabaseAsync(ServerAddress server, CancellationToken cancellationToken = default) =>
        (await GetAsync(server, cancellationToken)).GetDatabase(server.Database);

    private static async Task<ConnectionMultiplexer> ConnectAsync(ServerAddress server, TimeSpan commandTimeout)
    {
        try
        {
            var options = server.ToConfiguration();
            options.AsyncTimeout = options.SyncTimeout = (int)commandTimeout.TotalMilliseconds;
            return await ConnectionMultiplexer.ConnectAsync(options);
        }
        catch (Exception e) when (e is RedisConnectionException or RedisException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw Errors.ServerUnreachable(server.ToString(), e);
        }
    }

    public async ValueTask DisposeAsync()
    {
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
