using System.Collections.Concurrent;

namespace SysopsFast.Redis;

/// <summary>
/// Finds a cluster node that stopped answering (a hung or stopped machine) in about a second rather
/// than the command timeout, without taking a slow one for dead. A command waiting on a node's
/// connection longer than <see cref="SuspectAfterMs"/> without a reply (or 1 MiB of one) makes the
/// node suspect, and every node then gets a PING on a connection of its own (never behind a big
/// MGET reply that is still streaming). A suspect whose PING stays unanswered for
/// <see cref="DeadAfterMs"/> (<see cref="AloneDeadAfterMs"/> when no other node serves its slots)
/// while another node answered a PING sent after it is dead: its connection fails, and what waited
/// on it is read from another node serving those slots (<see cref="ClusterRouter.ReadAsync"/>) or
/// fails naming it. The comparison is what keeps a loaded machine from false alarms: when this
/// process or the whole machine stalls, every node's PING is late, not one.
/// </summary>
internal sealed class ClusterLiveness : IAsyncDisposable
{
    /// <summary>
    /// A command unanswered this long makes its node suspect: an MGET's reply starts within
    /// milliseconds, so this only costs a PING to each node when something is wrong or very slow.
    /// </summary>
    public const int SuspectAfterMs = 250;

    /// <summary>
    /// A PING unanswered this long, while other nodes answer theirs, marks its node dead when
    /// another node can serve its reads: redis-server answers PING between any two commands (100,000
    /// PINGs on this 2-core machine under a load of 18-24: p99 0.14 ms, the slowest 64 ms), and a
    /// mistake here only moves reads to a replica.
    /// </summary>
    public const int DeadAfterMs = 500;

    /// <summary>The same when no other node serves the node's slots: a mistake would fail the query, so twice as long.</summary>
    public const int AloneDeadAfterMs = 1000;

    private const int TickMs = 100;

    /// <summary>One node's probe: its own connection, the PING in flight, when it was sent and when one was last answered.</summary>
    private sealed class Probe
    {
        public Task<RespConnection>? Connection;
        public Task? Ping;
        public long SentAt;
        public long AnsweredAt;
    }

    private readonly Func<ServerAddress, Task<RespConnection>> _connect;
    private readonly Func<IEnumerable<KeyValuePair<ServerAddress, RespConnection>>> _nodes;
    private readonly Func<ServerAddress, bool> _hasStandIn;
    private readonly ConcurrentDictionary<ServerAddress, Probe> _probes = new();
    private readonly Timer _timer;
    private int _ticking;
    private volatile bool _disposed;

    /// <param name="nodes">The data connections to watch, with their nodes.</param>
    /// <param name="connect">Connects a probe connection to a node.</param>
    /// <param name="hasStandIn">Whether another node can serve a node's reads.</param>
    public ClusterLiveness(Func<IEnumerable<KeyValuePair<ServerAddress, RespConnection>>> nodes, Func<ServerAddress, Task<RespConnection>> connect, Func<ServerAddress, bool> hasStandIn)
    {
        _nodes = nodes;
        _connect = connect;
        _hasStandIn = hasStandIn;
        _timer = new Timer(_ => Tick(), null, TickMs, TickMs);
    }

    /// <summary>
    /// Starts connecting each node's probe connection now, in the background, while the nodes are
    /// well: a PING then measures a round trip, not a connect and handshake (slow on a loaded machine).
    /// </summary>
    public void Prepare(IEnumerable<ServerAddress> nodes)
    {
        foreach (var node in nodes)
        {
            var probe = _probes.GetOrAdd(node, _ => new Probe());
            probe.Connection ??= _connect(node);
            // A failure is seen (and the connection made again) by the first PING.
            probe.Connection.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }
    }

    private void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) == 1)
        {
            return;
        }
        try
        {
            if (!AnySuspect())
            {
                return;
            }
            var nodes = _nodes().Where(n => !n.Value.IsBroken).ToArray();
            var now = Environment.TickCount64;
            foreach (var (node, _) in nodes)
            {
                Ping(node, now);
            }
            foreach (var (node, connection) in nodes.Where(n => n.Value.StalledMilliseconds >= SuspectAfterMs))
            {
                if (IsDead(node, nodes.Length, now, out var waited))
                {
                    connection.Fail(new TimeoutException($"no answer to PING within {waited} ms while the cluster's other nodes answered"));
                }
            }
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    /// <summary>Whether a command waits too long on some node (ten times a second: nothing allocated but the enumerator).</summary>
    private bool AnySuspect()
    {
        foreach (var (_, connection) in _nodes())
        {
            if (!connection.IsBroken && connection.StalledMilliseconds >= SuspectAfterMs)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Sends a PING on the node's probe connection unless one is in flight.</summary>
    private void Ping(ServerAddress node, long now)
    {
        var probe = _probes.GetOrAdd(node, _ => new Probe());
        if (probe.Ping is { IsCompleted: false })
        {
            return;
        }
        probe.SentAt = now;
        probe.Ping = PingAsync(node, probe);
    }

    private async Task PingAsync(ServerAddress node, Probe probe)
    {
        try
        {
            var connection = await (probe.Connection ??= _connect(node));
            if (_disposed)
            {
                // Connected after the router closed: nobody else will close it.
                await connection.DisposeAsync();
                return;
            }
            (await connection.SendAsync(refusalIsReply: true, "PING"u8)).Dispose();
            Volatile.Write(ref probe.AnsweredAt, Environment.TickCount64);
        }
        catch (Exception)
        {
            // No answer: the next PING connects again, and this connection is closed.
            var failed = probe.Connection;
            probe.Connection = null;
            if (failed is not null)
            {
                _ = DisposeWhenConnectedAsync(failed);
            }
        }
    }

    /// <summary>Whether the node's PING is overdue while another node answered one sent after it.</summary>
    private bool IsDead(ServerAddress node, int nodes, long now, out long waited)
    {
        var probe = _probes[node];
        waited = now - probe.SentAt;
        if (probe.Ping is not { IsCompleted: false })
        {
            return false;
        }
        if (nodes == 1)
        {
            return waited >= AloneDeadAfterMs;
        }
        var others = _probes.Where(p => p.Key != node).Any(p => Volatile.Read(ref p.Value.AnsweredAt) >= probe.SentAt);
        return others && waited >= (_hasStandIn(node) ? DeadAfterMs : AloneDeadAfterMs);
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await _timer.DisposeAsync();
        foreach (var probe in _probes.Values)
        {
            if (probe.Connection is { } connection)
            {
                // A connect still under way (to a stopped node: up to the connect timeout) is not waited for.
                _ = DisposeWhenConnectedAsync(connection);
            }
        }
    }

    private static async Task DisposeWhenConnectedAsync(Task<RespConnection> connecting)
    {
        try
        {
            await (await connecting).DisposeAsync();
        }
        catch (Exception)
        {
            // Never connected: nothing to close.
        }
    }
}
