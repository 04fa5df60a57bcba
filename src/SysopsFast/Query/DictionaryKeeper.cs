using SysopsFast.Pipeline;
using SysopsFast.Redis;

namespace SysopsFast.Query;

/// <summary>
/// The fleet's compression dictionaries (<see cref="FleetQuery.Dictionaries"/>, <c>dict</c>):
/// listed per server, and trained from the records and published per core.
/// </summary>
public sealed class DictionaryKeeper
{
    private readonly FleetQuery _fleet;

    internal DictionaryKeeper(FleetQuery fleet) => _fleet = fleet;

    /// <summary>
    /// `dict train`: for each core in scope (in order of its id), a compression dictionary trained per
    /// object matching <paramref name="objectPattern"/> from the records of up to
    /// <see cref="Fleet.DictionaryTrainer.SamplesPerObject"/> of its hosts, published on every server
    /// of the core when it saves enough over the current one (docs/FORMAT.md). One row per object, as
    /// each is done; what was read is added to <paramref name="reads"/>.
    /// </summary>
    public async IAsyncEnumerable<Fleet.DictionaryTrainingRow> TrainAsync(string objectPattern, ICollection<ExtractSummary> reads, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reads);
        var rows = 0;
        foreach (var core in _fleet.Cores.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            await foreach (var row in new Fleet.CoreDictionaryTrainer(_fleet, core).RunAsync(objectPattern, reads, cancellationToken))
            {
                rows++;
                yield return row;
            }
        }
        if (rows == 0 && reads.All(r => r.CoresMissing.Count == 0 && !r.Partial))
        {
            throw Errors.NothingMatched(objectPattern, _fleet.Servers.Select(s => s.ToString()));
        }
        _fleet.Audit.Record("dict train", objectPattern, "", [.. reads]);
    }

    /// <summary>
    /// `dict list`: the dictionaries of every server of the cores in scope (a cluster: its first
    /// seed), each object's current one first, then those still listed for readers; a server that
    /// cannot be read is a row with its error.
    /// </summary>
    public async Task<IReadOnlyList<DictionaryEntry>> ListAsync(CancellationToken cancellationToken = default)
    {
        var servers = _fleet.Cores.OrderBy(c => c.Id, StringComparer.Ordinal).SelectMany(c => (c.IsCluster ? c.Servers.Take(1) : c.Servers).Select(s => (Core: c, Server: s)));
        var perServer = await Task.WhenAll(servers.Select(async x =>
        {
            try
            {
                var db = await _fleet.Connections.DatabaseAsync(x.Server, cancellationToken);
                return await DictionaryStore.DescribeAsync(db, x.Core.Id, x.Server.ToString());
            }
            catch (Exception e) when (RedisFailure.From(x.Server.ToString(), e) is not null)
            {
                return [new DictionaryEntry(x.Core.Id, x.Server.ToString(), null, 0) { Error = Errors.Brief(e) }];
            }
        }));
        return [.. perServer.SelectMany(e => e)];
    }
}
