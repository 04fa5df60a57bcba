using SysopsFast.Redis;

namespace SysopsFast.Push;

/// <summary>
/// Connects every server of the push before anything else happens, each within a short connect
/// timeout, so that when the whole core is down a push ends at once, having run no command and
/// written nothing but the lock file (not the ledger either).
/// </summary>
public static class PushConnector
{
    /// <returns>The servers connected (in <paramref name="connections"/>), and for the others what went wrong.</returns>
    public static async Task<(IReadOnlyList<ServerAddress> Live, IReadOnlyList<(ServerAddress Server, Exception Failure)> Down)> ConnectAsync(
        RedisConnections connections, IReadOnlyList<ServerAddress> servers, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connections);
        RedisConnections.CheckCredentials(servers);
        var wait = timeout < connections.ConnectTimeout ? timeout : connections.ConnectTimeout;
        var tried = await Task.WhenAll(servers.Distinct().Select(async s => (Server: s, Failure: await TryConnectAsync(connections, s, wait, cancellationToken))));
        return ([.. tried.Where(t => t.Failure is null).Select(t => t.Server)], [.. tried.Where(t => t.Failure is not null).Select(t => (t.Server, t.Failure!))]);
    }

    private static async Task<Exception?> TryConnectAsync(RedisConnections connections, ServerAddress server, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(wait);
        try
        {
            await connections.GetAsync(server, deadline.Token);
            return null;
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            return Errors.ServerUnreachable(server.ToString(), new TimeoutException($"no answer within {wait.TotalSeconds:0.#} s", e));
        }
        catch (SysopsFastException e)
        {
            return e;
        }
    }
}
