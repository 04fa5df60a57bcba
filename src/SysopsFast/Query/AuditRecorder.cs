using SysopsFast.Redis;

namespace SysopsFast.Query;

/// <summary>
/// What is recorded after an answer (<see cref="FleetQuery.Audit"/>): the entry in each server's
/// audit stream of the user it was reached as, and the cost message on the 'sysops-api' channel;
/// and the audit trail read back (<c>audit</c>).
/// </summary>
public sealed class AuditRecorder
{
    private readonly FleetQuery _fleet;

    internal AuditRecorder(FleetQuery fleet) => _fleet = fleet;

    /// <summary>
    /// Publishes <paramref name="message"/> on <paramref name="channel"/> of every server asked, as the
    /// original did with each query's cost; a server that refuses is skipped (the answer is already given).
    /// </summary>
    /// <param name="servers">The servers that answered (<see cref="ServerCost.Server"/>); others are not contacted.</param>
    public Task PublishAsync(string channel, string message, IEnumerable<string> servers, CancellationToken cancellationToken = default) =>
        // Publishing the cost is a courtesy to subscribers; the query's answer does not depend on it.
        AfterAnswerAsync(servers, (db, _) => db.PublishAsync(channel, message), cancellationToken);

    /// <summary>
    /// Runs <paramref name="action"/> on each of <paramref name="servers"/> (those that answered) at
    /// once, each bounded by a short wait: the answer is already printed and must not wait on this.
    /// </summary>
    /// <returns>"server: why" for each server where it failed.</returns>
    private async Task<IReadOnlyList<string>> AfterAnswerAsync(IEnumerable<string> servers, Func<IQueryServer, ServerAddress, Task> action, CancellationToken cancellationToken)
    {
        var asked = _fleet.Servers.Where(s => servers.Contains(s.ToString(), StringComparer.Ordinal)).ToArray();
        var failures = await Task.WhenAll(asked.Select(async server =>
        {
            try
            {
                var db = await _fleet.Connections.QueryServerAsync(server, cancellationToken);
                await action(db, server).WaitAsync(PublishTimeout, cancellationToken);
                return null;
            }
            catch (Exception e) when (Errors.IsServerFailure(e) || e is OperationCanceledException or TimeoutException)
            {
                return $"{server}: {Errors.Brief(e)}";
            }
        }));
        return [.. failures.OfType<string>()];
    }

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Appends <paramref name="entry"/> on each server touched to the audit stream of the user it was
    /// reached as (the only one that user may append to). The answer is already given, so a server
    /// that refuses does not fail the query.
    /// </summary>
    /// <param name="servers">The servers that answered (<see cref="ServerCost.Server"/>).</param>
    /// <returns>"server: why" for each server that did not record it.</returns>
    public Task<IReadOnlyList<string>> AppendAsync(AuditEntry entry, IEnumerable<string> servers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var fields = entry.Fields();
        return AfterAnswerAsync(servers, (db, server) => db.AppendToStreamAsync(AuditTrail.StreamOf(server.User ?? "default"), fields, AuditTrail.MaxLength), cancellationToken);
    }

    /// <summary>
    /// Every audit entry since <paramref name="since"/> of every user on the servers in scope, in the
    /// order the servers added them (stream ids), read and merged a page per stream at a time.
    /// </summary>
    public async IAsyncEnumerable<AuditEntry> ReadAsync(DateTimeOffset since, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = Math.Max(0, since.ToUnixTimeMilliseconds() - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + "-18446744073709551615";
        var perServer = await Task.WhenAll(_fleet.Servers.Select(async server =>
            await AuditStreamMerge.CursorsAsync(await _fleet.Connections.QueryServerAsync(server, cancellationToken), server.ToString(), after, cancellationToken)));
        await foreach (var entry in AuditStreamMerge.MergeAsync([.. perServer.SelectMany(c => c)], cancellationToken))
        {
            yield return entry;
        }
    }
}
