using System.Collections.Concurrent;
using SysopsFast.Pipeline;
using SysopsFast.Redis;

namespace SysopsFast.Query;

/// <summary>
/// What is recorded after an answer (<see cref="FleetQuery.Audit"/>): the entry in each server's
/// audit stream of the user it was reached as, as the query's <see cref="AuditPolicy"/> says, and
/// the cost message on the 'sysops-api' channel; and the audit trail read back (<c>audit</c>).
/// </summary>
public sealed class AuditRecorder
{
    private readonly FleetQuery _fleet;

    internal AuditRecorder(FleetQuery fleet) => _fleet = fleet;

    /// <summary>
    /// Servers found to have no streams (the embedded Garnet server), in this process: each is said
    /// once (<see cref="AuditRefusal.Unavailable"/>), then no entry is tried there.
    /// </summary>
    private static readonly ConcurrentDictionary<string, byte> WithoutStreams = new(StringComparer.Ordinal);

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Records an answer as the query's policy says: one entry (who, what, scope, keys, bytes,
    /// seconds) on every server that <paramref name="summaries"/> read; each refusal is handed to
    /// <see cref="AuditPolicy.Refused"/>. Returns at once: the entry is written while the caller
    /// uses the answer (a slow server must not hold it back), and the query waits for it before
    /// its connections close (<see cref="WhenWrittenAsync"/>).
    /// </summary>
    internal void Record(string operation, string objectPattern, string textPattern, IReadOnlyList<ExtractSummary> summaries)
    {
        var policy = _fleet.AuditPolicy;
        if (!policy.Enabled)
        {
            return;
        }
        summaries = [.. _fleet.TakeJoinReads(), .. summaries];
        var servers = summaries.SelectMany(s => s.Costs).Select(c => c.Server).Distinct(StringComparer.Ordinal).ToArray();
        if (servers.Length == 0)
        {
            return;
        }
        var scope = _fleet.Targeting.Site is { } site ? $"{_fleet.Targeting.Scope} {site}" : _fleet.Targeting.Scope.ToString();
        var entry = new AuditEntry
        {
            OsUser = policy.OsUser,
            ClientHost = policy.ClientHost,
            Command = policy.Description ?? string.Join(' ', new[] { operation, objectPattern, textPattern }.Where(p => p.Length > 0)),
            Scope = scope.ToLowerInvariant(),
            ObjectPattern = objectPattern,
            TextPattern = textPattern,
            Keys = summaries.Sum(s => s.KeysDiscovered),
            Bytes = summaries.Sum(s => s.BytesFetched),
            Seconds = summaries.Sum(s => s.Elapsed.TotalSeconds),
        };
        _fleet.AuditWrites.Add(Task.Run(() => WriteAsync(entry, servers, policy)));
    }

    /// <summary>
    /// The write of <see cref="Record"/>, after the answer: not cancelled by the caller (whose token
    /// may be gone by then), each server bounded by a short wait; what fails is a refusal, never an exception.
    /// </summary>
    private async Task WriteAsync(AuditEntry entry, string[] servers, AuditPolicy policy)
    {
        IReadOnlyList<AuditRefusal> refusals;
        try
        {
            refusals = await AppendAsync(entry, servers, CancellationToken.None);
        }
        catch (Exception e)
        {
            refusals = [.. servers.Select(s => new AuditRefusal(s, Errors.Brief(e), Unavailable: false))];
        }
        foreach (var refusal in refusals)
        {
            policy.Refused?.Invoke(refusal);
        }
    }

    /// <summary>
    /// Ends when the audit entries of every answer this query (and those narrowed from it) returned
    /// so far are written or refused: an answer returns before its entry is written. Disposing the
    /// query waits for them too; a long-lived program need not call this.
    /// </summary>
    public Task WhenWrittenAsync() => _fleet.AuditWrites.WhenAllAsync();

    /// <summary>
    /// Appends <paramref name="entry"/> on each of <paramref name="servers"/> to the audit stream of
    /// the user it was reached as (the only one that user may append to). The answer is already
    /// given, so a server that refuses does not fail anything: it is in the list returned. A server
    /// without streams is in it once per process (<see cref="AuditRefusal.Unavailable"/>), then left out.
    /// </summary>
    /// <param name="entry">What to record.</param>
    /// <param name="servers">The servers that answered (<see cref="ServerCost.Server"/>); others are not contacted.</param>
    /// <param name="cancellationToken">Stops waiting for the servers.</param>
    public async Task<IReadOnlyList<AuditRefusal>> AppendAsync(AuditEntry entry, IEnumerable<string> servers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var fields = entry.Fields();
        var failures = await AfterAnswerAsync(servers.Where(s => !WithoutStreams.ContainsKey(s)), (db, server) => db.AppendToStreamAsync(AuditTrail.StreamOf(server.User ?? "default"), fields, AuditTrail.MaxLength), cancellationToken);
        var refusals = new List<AuditRefusal>();
        foreach (var (server, reason) in failures)
        {
            if (!NoStreams(reason))
            {
                refusals.Add(new AuditRefusal(server, reason, Unavailable: false));
            }
            else if (WithoutStreams.TryAdd(server, 0))
            {
                refusals.Add(new AuditRefusal(server, reason, Unavailable: true));
            }
        }
        return refusals;
    }

    /// <summary>A server that does not know the stream commands (Garnet answers "ERR unknown command").</summary>
    private static bool NoStreams(string reason) => reason.Contains("unknown command", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// <c>--cost</c>'s publication: the cost of a command as one JSON message (<see cref="CostMessage.Json"/>)
    /// on the <see cref="CostMessage.Channel"/> channel of every server that answered, as the original
    /// did with each query's cost. A server that refuses is skipped (the answer is already given).
    /// </summary>
    /// <param name="command">The command's name (grep, compare, …).</param>
    /// <param name="arguments">Its arguments; the message lists them with every secret replaced by "***" (<see cref="AuditEntry.RedactEach"/>).</param>
    /// <param name="costs">Per server (<see cref="ServerCost.Merge"/>); the servers to publish on.</param>
    /// <param name="elapsed">How long the command read.</param>
    /// <param name="cancellationToken">Stops waiting for the servers.</param>
    /// <returns>The message published (docs/OUTPUT.md, "Cost"), for a caller that shows it too.</returns>
    public async Task<string> PublishCostAsync(string command, IReadOnlyList<string> arguments, IReadOnlyList<ServerCost> costs, TimeSpan elapsed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(costs);
        // Subscribers see the arguments as the audit trail does: never a password.
        var policy = _fleet.AuditPolicy;
        var message = CostMessage.Json(command, AuditEntry.RedactEach(arguments), costs, elapsed, DateTimeOffset.UtcNow, policy.OsUser, policy.ClientHost);
        // A courtesy to subscribers; the query's answer does not depend on it.
        await AfterAnswerAsync(costs.Select(c => c.Server), (db, _) => db.PublishAsync(CostMessage.Channel, message), cancellationToken);
        return message;
    }

    /// <summary>
    /// Runs <paramref name="action"/> on each of <paramref name="servers"/> (those that answered) at
    /// once, each bounded by a short wait: the answer is already printed and must not wait on this.
    /// </summary>
    /// <returns>Each server where it failed, and why.</returns>
    private async Task<IReadOnlyList<(string Server, string Reason)>> AfterAnswerAsync(IEnumerable<string> servers, Func<IQueryServer, ServerAddress, Task> action, CancellationToken cancellationToken)
    {
        var wanted = servers.ToHashSet(StringComparer.Ordinal);
        var asked = _fleet.Servers.Where(s => wanted.Contains(s.ToString())).ToArray();
        var failures = await Task.WhenAll(asked.Select(async server =>
        {
            try
            {
                var db = await _fleet.Connections.QueryServerAsync(server, cancellationToken);
                await action(db, server).WaitAsync(PublishTimeout, cancellationToken);
                return ((string, string)?)null;
            }
            catch (Exception e) when (RedisFailure.From(server.ToString(), e) is not null)
            {
                return (server.ToString(), Errors.Brief(e));
            }
        }));
        return [.. failures.OfType<(string, string)>()];
    }

    /// <summary>
    /// Every audit entry since <paramref name="since"/> of every user on the servers in scope, in the
    /// order the servers added them (stream ids), read and merged a page per stream at a time.
    /// </summary>
    /// <exception cref="SysopsFastException">A server in scope has no streams (auditing is off there).</exception>
    public async IAsyncEnumerable<AuditEntry> ReadAsync(DateTimeOffset since, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = Math.Max(0, since.ToUnixTimeMilliseconds() - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + "-18446744073709551615";
        var perServer = await Task.WhenAll(_fleet.Servers.Select(async server =>
        {
            var db = await _fleet.Connections.QueryServerAsync(server, cancellationToken);
            var cursors = await AuditStreamMerge.CursorsAsync(db, server.ToString(), after, cancellationToken);
            if (cursors.Count == 0)
            {
                await ThrowIfNoStreamsAsync(db, server);
            }
            return cursors;
        }));
        await foreach (var entry in AuditStreamMerge.MergeAsync([.. perServer.SelectMany(c => c)], cancellationToken))
        {
            yield return entry;
        }
    }

    /// <summary>No audit stream on a server: an empty trail, or a server that cannot hold one (asked with an XRANGE).</summary>
    private static async Task ThrowIfNoStreamsAsync(IQueryServer db, ServerAddress server)
    {
        try
        {
            await db.StreamRangeAsync(AuditTrail.StreamOf(server.User ?? "default"), "-", 1);
        }
        catch (Exception e) when (RedisFailure.From(server.ToString(), e) is not null && NoStreams(Errors.Brief(e)))
        {
            throw Errors.AuditUnavailable(server.ToString(), Errors.Brief(e));
        }
    }
}
