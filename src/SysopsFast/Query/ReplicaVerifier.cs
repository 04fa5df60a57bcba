using SysopsFast.Pipeline;
using SysopsFast.Redis;
using SysopsFast.Topology;

namespace SysopsFast.Query;

/// <summary>
/// Replica verification (<see cref="FleetQuery.Replicas"/>, <c>verify</c>): each key's copies
/// compared, by their headers, across the servers of its core.
/// </summary>
public sealed class ReplicaVerifier
{
    private readonly FleetQuery _fleet;

    internal ReplicaVerifier(FleetQuery fleet) => _fleet = fleet;

    /// <summary>
    /// Replica drift: for each core in scope (in order of its id), the records matching
    /// <paramref name="objectPattern"/> are read from every server of the core on its own (headers
    /// only, each server's own key catalog or SCAN), and each key's copies are compared by md5. A key
    /// some servers lack is a <see cref="ReplicaProblem.Missing"/> row; copies whose md5s differ, or
    /// a copy whose header is corrupt, a <see cref="ReplicaProblem.Different"/> row. Then each
    /// server's history list of each key is read, and copies that agree but whose histories keep
    /// other versions (md5 and time stored of each entry, from the entries' headers) give a
    /// <see cref="ReplicaProblem.History"/> row. A core with one
    /// server, or a Redis Cluster, is yielded as skipped. Cores are read one after the other, so
    /// memory holds one core's keys × servers.
    /// </summary>
    /// <remarks>
    /// Every server to compare is connected before anything is read: one that does not answer is an
    /// error unless the targeting allows partial answers, which leaves it out (with the others of its
    /// core still compared, if two remain). A server lost during its read is treated the same way.
    /// Ends with an error when no core could be compared, or when no key matched on any compared one.
    /// </remarks>
    public async IAsyncEnumerable<CoreVerification> VerifyAsync(string objectPattern, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var cores = _fleet.Cores.OrderBy(c => c.Id, StringComparer.Ordinal).ToArray();
        var failed = await ConnectReplicasAsync(cores.Where(Comparable).SelectMany(c => c.Servers.Select(s => (c, s))), cancellationToken);
        var selection = _fleet.Select(objectPattern, RecordReadMode.Header);
        var skipped = new List<string>();
        var summaries = new List<ExtractSummary>();
        var compared = 0;
        long keys = 0;
        foreach (var core in cores)
        {
            var verification = await VerifyCoreAsync(core, selection, failed, cancellationToken);
            summaries.Add(verification.Summary);
            if (verification.Skipped is { } why)
            {
                skipped.Add($"{core.Id}: {why}");
            }
            else
            {
                compared++;
                keys += verification.Keys;
            }
            yield return verification;
        }
        if (compared == 0)
        {
            throw Errors.NothingToVerify(skipped);
        }
        if (keys == 0)
        {
            var asked = cores.Where(Comparable).SelectMany(c => c.Servers).Select(s => s.ToString());
            throw selection.Hosts is null ? Errors.NothingMatched(objectPattern, asked) : Errors.NothingMatchedAmongHosts(objectPattern, selection.Hosts.Description, asked);
        }
        _fleet.Audit.Record("verify", objectPattern, "", summaries);
    }

    /// <summary>A core whose servers are replicas to compare: two or more, and not one cluster.</summary>
    private static bool Comparable(Core core) => !core.IsCluster && core.Servers.Count > 1;

    /// <summary>Connects to every server at once; returns those that did not answer, with the reason. Throws for them unless partial answers are allowed.</summary>
    private async Task<Dictionary<ServerAddress, string>> ConnectReplicasAsync(IEnumerable<(Core Core, ServerAddress Server)> servers, CancellationToken cancellationToken)
    {
        var attempts = servers.Select(async x =>
        {
            try
            {
                await _fleet.Connections.QueryServerAsync(x.Server, cancellationToken);
                return (x.Core, x.Server, Failure: (SysopsFastException?)null);
            }
            catch (SysopsFastException e)
            {
                return (x.Core, x.Server, Failure: e);
            }
        }).ToArray();
        var failed = (await Task.WhenAll(attempts)).Where(a => a.Failure is not null).ToArray();
        if (failed.Length > 0 && !_fleet.Targeting.AllowPartial)
        {
            throw Errors.ReplicasUnavailable(failed.Select(f => $"{f.Core.Id} ({f.Server}: {Errors.Brief(f.Failure!)})"), failed[0].Failure);
        }
        return failed.ToDictionary(f => f.Server, f => Errors.Brief(f.Failure!));
    }

    private async Task<CoreVerification> VerifyCoreAsync(Core core, RecordSelection selection, Dictionary<ServerAddress, string> failed, CancellationToken cancellationToken)
    {
        if (core.IsCluster)
        {
            return CoreVerification.Skip(core, "it is a Redis Cluster, whose primaries hold different keys (its own replication keeps their replicas)", []);
        }
        if (core.Servers.Count < 2)
        {
            return CoreVerification.Skip(core, "it has one server, nothing to compare", []);
        }
        var leftOut = core.Servers.Where(failed.ContainsKey).Select(s => $"{s}: {failed[s]}").ToList();
        var servers = core.Servers.Where(s => !failed.ContainsKey(s)).ToArray();
        if (servers.Length < 2)
        {
            return CoreVerification.Skip(core, "only one of its servers answered, nothing to compare", leftOut);
        }
        var names = servers.Select(s => s.ToString()).ToArray();
        var table = new ReplicaKeyTable(servers.Length);
        // Each server on its own: no failover to a twin, no claims; a failure is seen in its summary.
        var summaries = await Task.WhenAll(servers.Select((server, i) =>
            _fleet.RunOnTargetsAsync(selection, table.Collector(i), [new CoreTarget(core with { Servers = [server] }, [server])], allowPartial: true, cancellationToken)));
        cancellationToken.ThrowIfCancellationRequested();
        var lost = Enumerable.Range(0, servers.Length).Where(i => summaries[i].CoresMissing.Count > 0).ToArray();
        if (lost.Length > 0 && !_fleet.Targeting.AllowPartial)
        {
            throw Errors.ReplicasUnavailable(lost.SelectMany(i => summaries[i].CoresMissing));
        }
        // Each entry is "core (server: reason)", the core being this one narrowed to the server.
        leftOut.AddRange(lost.SelectMany(i => summaries[i].CoresMissing).Select(m => m.StartsWith(core.Id + " (", StringComparison.Ordinal) && m.EndsWith(')') ? m[(core.Id.Length + 2)..^1] : m));
        var kept = Enumerable.Range(0, servers.Length).Except(lost).ToArray();
        // The servers were read at once: the core took as long as the slowest, not their sum.
        var combined = ExtractSummary.Combine(summaries) with { Elapsed = summaries.Max(x => x.Elapsed) };
        if (kept.Length < 2)
        {
            return CoreVerification.Skip(core, "only one of its servers answered, nothing to compare", leftOut) with { Summary = Reported(combined, core, [], leftOut) };
        }
        var dbs = new Dictionary<int, (IQueryServer Db, string Name)>();
        foreach (var i in kept)
        {
            dbs[i] = (await _fleet.Connections.QueryServerAsync(servers[i], cancellationToken), names[i]);
        }
        var historyCosts = await Task.WhenAll(kept.Select(i => ReplicaHistories.FingerprintAsync(dbs[i].Db, table, i, cancellationToken)));
        var rows = table.Compare(core.Id, names, kept, out var keys, out var historyDrift);
        rows.AddRange(await ReplicaHistories.FirstDifferencesAsync(core.Id, dbs, historyDrift));
        ReplicaKeyTable.Sort(rows);
        combined = combined with { BytesFetched = combined.BytesFetched + historyCosts.Sum(c => c.BytesFetched), Costs = ServerCost.Merge([.. combined.Costs, .. historyCosts]) };
        var comparedNames = kept.Select(i => names[i]).ToArray();
        return new CoreVerification(core, comparedNames, keys, rows, Reported(combined, core, comparedNames, leftOut)) { LeftOut = leftOut };
    }

    /// <summary>
    /// The servers' read summaries as one core's: corrupt copies are rows (not errors); the core
    /// answered from the servers compared, and one compared without a server left out is a partial
    /// answer (a core none of whose servers could be compared is missing).
    /// </summary>
    private static ExtractSummary Reported(ExtractSummary combined, Core core, IReadOnlyList<string> compared, IReadOnlyList<string> leftOut) => combined with
    {
        Corrupt = [],
        CoresAnswered = compared.Count > 0 ? [$"{core.Id}: {string.Join(", ", compared)}"] : [],
        CoresMissing = compared.Count == 0 ? CoreVerification.Missing(core, leftOut) : [],
        Warnings = compared.Count > 0 && leftOut.Count > 0
            ? [.. combined.Warnings, $"PARTIAL ANSWER: core {core.Id} compared without {(leftOut.Count == 1 ? "a server" : "servers")} ({string.Join("; ", leftOut)})"]
            : combined.Warnings,
    };
}
