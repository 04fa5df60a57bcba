using SysopsFast.Format;
using SysopsFast.Pipeline;
using SysopsFast.Redis;

namespace SysopsFast;

/// <summary>
/// What the queries of a long-running program (an HTTP service) keep between them: the open
/// connections, one per server address (its credentials part of it), the compression dictionaries
/// read (each id is the hash of its bytes, so a kept one is never stale) and where reading headers
/// first did not pay. A <see cref="FleetQuery"/> made on a session connects only to servers the
/// session has no live connection to; a connection that failed (a server that died) is replaced on
/// its next use, and a core whose server cannot be reached fails over as in any query.
/// </summary>
/// <remarks>
/// Queries may run on one session at once (their commands are pipelined on its connections).
/// Disposing a query leaves the session open; dispose the session after its last query.
/// </remarks>
public sealed class FleetSession : IAsyncDisposable
{
    /// <param name="options">Its <see cref="ExtractOptions.CommandTimeout"/>, <see cref="ExtractOptions.ConnectTimeout"/> and <see cref="ExtractOptions.ReadReplicas"/> are the connections'.</param>
    public FleetSession(ExtractOptions? options = null)
    {
        var o = options ?? new ExtractOptions();
        Connections = new RedisConnections(o.CommandTimeout, o.ConnectTimeout) { ReadClusterReplicas = o.ReadReplicas };
    }

    /// <summary>The connections, made on first use and kept until the session is disposed.</summary>
    public RedisConnections Connections { get; }

    /// <summary>Dictionaries read so far (at most <see cref="CompressionDictionaries.MaxTotalBytes"/>).</summary>
    internal CompressionDictionaries Dictionaries { get; } = new();

    internal DeduplicationMemo Deduplication { get; } = new();

    /// <summary>
    /// Closes the standalone servers' sockets now, failing the commands in flight, so that the
    /// servers never run what a stopped query sent and had not been answered (Redis drops a closed
    /// client's pending commands); a cluster's multiplexer stays open. For a session that one query
    /// uses alone, when that query is cancelled; dispose it after.
    /// </summary>
    public Task AbortAsync() => Connections.CloseQueryConnectionsAsync();

    /// <summary>Closes the connections and frees the dictionaries.</summary>
    public async ValueTask DisposeAsync()
    {
        Dictionaries.Dispose();
        await Connections.DisposeAsync();
    }
}
