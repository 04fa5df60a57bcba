using System.Collections.Concurrent;
using StackExchange.Redis;

namespace SysopsFast.Redis;

/// <summary>
/// The process's connections: one multiplexer per server, made once and shared by every stage.
/// (The servers of a fleet are independent primaries, so one multiplexer over all of them would let
/// the client route a keyed command to the wrong one.) Writers use the multiplexers; queries use our
/// own RESP connections (plain TCP or TLS), one to a standalone server and one to each primary of a
/// Redis Cluster. Both authenticate the same way (<see cref="RedisPassword"/>) and check TLS
/// certificates the same way (<see cref="TlsContext"/>).
/// </summary>
public sealed class RedisConnections : IAsyncDisposable
{
    private readonly ConcurrentDictionary<ServerAddress, Lazy<Task<ConnectionMultiplexer>>> _muxers = new();
    private readonly TimeSpan _commandTimeout;
    private readonly ConcurrentDictionary<ServerAddress, Lazy<Task<IQueryServer>>> _queryServers = new();

    /// <summary>Whether a Redis Cluster's replicas are read from as well as its primaries (<see cref="Pipeline.ExtractOptions.ReadReplicas"/>).</summary>
    public bool ReadClusterReplicas { get; init; } = true;

    /// <summary>How long a connect (and the handshake after it) may take.</summary>
    public TimeSpan ConnectTimeout { get; }

    /// <param name="commandTimeout">Per-command timeout; writers (import, generate) keep the default minute.</param>
    /// <param name="connectTimeout">Per connect; by default 3 s, or the seconds SYSOPS_FAST_CONNECT_TIMEOUT gives.</param>
    public RedisConnections(TimeSpan? commandTimeout = null, TimeSpan? connectTimeout = null)
    {
        _commandTimeout = commandTimeout ?? TimeSpan.FromSeconds(60);
        ConnectTimeout = connectTimeout ?? ConnectTimeoutSetting.Read();
    }

    /// <summary>
    /// Reads the password and the TLS files <paramref name="servers"/> need, so that a password file
    /// open to others or an unreadable CA file is one error before any connection, not one per server.
    /// </summary>
    public static void CheckCredentials(IEnumerable<ServerAddress> servers)
    {
        _ = RedisPassword.Read();
        foreach (var tls in servers.Where(s => s.Tls).Select(s => s.TlsFiles).Distinct())
        {
            _ = TlsContext.For(tls);
        }
    }

    /// <summary>The connection to <paramref name="server"/>, made on first use and then shared.</summary>
    public async Task<ConnectionMultiplexer> GetAsync(ServerAddress server, CancellationToken cancellationToken = default)
    {
        var lazy = _muxers.GetOrAdd(server, s => new Lazy<Task<ConnectionMultiplexer>>(() => ConnectAsync(s, _commandTimeout, ConnectTimeout)));
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

    /// <summary>The first of a core's servers that answers (its twins hold the same keys), with its connection.</summary>
    internal async Task<(ServerAddress Server, IQueryServer Db)> FirstAnsweringAsync(CoreTarget target, CancellationToken cancellationToken)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                return (target.Candidates[i], await QueryServerAsync(target.Candidates[i], cancellationToken));
            }
            catch (SysopsFastException) when (i + 1 < target.Candidates.Count)
            {
                // Its twin is asked instead.
            }
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
            await connected.DisposeAsync();
        }
    }

    private async Task<IQueryServer> ConnectQueryServerAsync(ServerAddress server)
    {
        var connection = await RespConnection.ConnectAsync(server, ConnectTimeout, _commandTimeout, CancellationToken.None);
        if (!connection.IsCluster)
        {
            return new RespQueryServer(connection);
        }
        try
        {
            return new ClusterQueryServer(await ClusterRouter.ConnectAsync(connection, server, ConnectTimeout, _commandTimeout, ReadClusterReplicas), server.ToString());
        }
        catch (Exception e) when (e is not SysopsFastException && RedisFailure.From(server.ToString(), e) is { } failure)
        {
            // A slot map that cannot be read or leaves slots unserved: this seed cannot give the whole cluster.
            throw failure;
        }
    }

    /// <summary>
    /// Whether <paramref name="server"/> answers a PING and how fast, or why not (the short reason a
    /// list of servers shows): a server's failure is the answer here, never thrown.
    /// </summary>
    public async Task<ServerProbe> ProbeAsync(ServerAddress server, CancellationToken cancellationToken = default)
    {
        try
        {
            var db = await DatabaseAsync(server, cancellationToken);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await db.PingAsync();
            return new ServerProbe(server, clock.Elapsed, null);
        }
        catch (Exception e) when (RedisFailure.From(server.ToString(), e) is not null)
        {
            return new ServerProbe(server, null, Errors.Brief(e));
        }
    }

    /// <summary>The database <paramref name="server"/> names, on its shared connection.</summary>
    public async Task<IDatabase> DatabaseAsync(ServerAddress server, CancellationToken cancellationToken = default) =>
        (await GetAsync(server, cancellationToken)).GetDatabase(server.Database);

    private static async Task<ConnectionMultiplexer> ConnectAsync(ServerAddress server, TimeSpan commandTimeout, TimeSpan connectTimeout)
    {
        var options = server.ToConfiguration();
        options.AsyncTimeout = options.SyncTimeout = (int)commandTimeout.TotalMilliseconds;
        options.ConnectTimeout = (int)connectTimeout.TotalMilliseconds;
        string? refusal = null;
        if (server.Tls)
        {
            // The same certificate check as our own connection's, so that a refusal says why.
            var tls = TlsContext.For(server.TlsFiles);
            options.CertificateValidation += (sender, certificate, chain, errors) =>
            {
                var host = (sender as System.Net.Security.SslStream)?.TargetHostName ?? server.Host;
                var ok = tls.Check(host, certificate, chain, errors, out var why);
                Interlocked.CompareExchange(ref refusal, why, null);
                return ok;
            };
            if (tls.ClientCertificate is { } client)
            {
                options.CertificateSelection += (_, _, _, _, _) => client;
            }
        }
        try
        {
            return await ConnectionMultiplexer.ConnectAsync(options);
        }
        catch (Exception e) when (e is not SysopsFastException && RedisFailure.From(server.ToString(), e) is not null)
        {
            if (Volatile.Read(ref refusal) is { } why)
            {
                throw Errors.TlsFailed(server.ToString(), why, e);
            }
            throw await DiagnoseAsync(server, connectTimeout, e);
        }
    }

    /// <summary>
    /// Why a multiplexer could not connect, which it does not say ("it was not possible to connect"):
    /// our own connection is tried once and says it (authentication, TLS, a port of the other kind),
    /// else the server is unreachable.
    /// </summary>
    private static async Task<SysopsFastException> DiagnoseAsync(ServerAddress server, TimeSpan connectTimeout, Exception e)
    {
        try
        {
            await using var probe = await RespConnection.ConnectAsync(server, connectTimeout, TimeSpan.FromSeconds(10), CancellationToken.None);
            // The client checks each connection with a PING (ToConfiguration): an ACL may refuse it.
            (await probe.SendAsync("PING"u8)).Dispose();
        }
        catch (Exception probeFailure) when (RedisFailure.From(server.ToString(), probeFailure) is { } failure)
        {
            if (failure.Kind == ErrorKind.Configuration)
            {
                return failure;
            }
            // Unreachable for it too: the client's own reason is the one to give.
        }
        return Errors.ServerUnreachable(server.ToString(), e);
    }

    /// <summary>Closes the sockets of the query connections at once (<see cref="RespConnection.Close"/>); a query using them fails over as from a dropped connection.</summary>
    internal async Task CloseQueryConnectionsAsync()
    {
        foreach (var lazy in _queryServers.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                (await lazy.Value).Close();
            }
        }
    }

    /// <summary>Closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var lazy in _queryServers.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                await (await lazy.Value).DisposeAsync();
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

/// <summary>What <see cref="RedisConnections.ProbeAsync"/> found: the PING's round trip, or why there was none.</summary>
public sealed record ServerProbe(ServerAddress Server, TimeSpan? Ping, string? Failure);
