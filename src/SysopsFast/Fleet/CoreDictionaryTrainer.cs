using System.Runtime.CompilerServices;
using StackExchange.Redis;
using SysopsFast.Format;
using SysopsFast.Pipeline;
using SysopsFast.Redis;
using SysopsFast.Topology;

namespace SysopsFast.Fleet;

/// <summary>
/// `dict train` on one core: lists the matching keys (nothing fetched), samples up to
/// <see cref="DictionaryTrainer.SamplesPerObject"/> hosts of each object (decoded as any query
/// decodes them, so records already compressed with a dictionary are read too), and for each object
/// held by enough hosts trains a dictionary, weighs it against the current one
/// (<see cref="DictionaryTrial"/>) and publishes the better of the two on every server of the core;
/// the kept one too, so a server that missed an earlier publication catches up.
/// </summary>
internal sealed class CoreDictionaryTrainer(FleetQuery fleet, Core core)
{
    private readonly List<(ServerAddress Server, IDatabase Db)> _writers = [];
    private readonly List<string> _unreachable = [];

    public async IAsyncEnumerable<DictionaryTrainingRow> RunAsync(string objectPattern, ICollection<ExtractSummary> reads, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var picker = new SampleKeyPicker();
        reads.Add(await fleet.RunOnCoreAsync(core, fleet.Select(objectPattern, RecordReadMode.KeyOnly), picker, cancellationToken));
        if (picker.Objects.Count == 0)
        {
            yield break;
        }
        await ConnectAsync(cancellationToken);
        var current = await ReadCurrentAsync();
        try
        {
            foreach (var (name, (hosts, keys)) in picker.Objects.OrderBy(o => o.Key, StringComparer.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return await TrainAsync(name, hosts, keys, current.GetValueOrDefault(name), reads, cancellationToken);
            }
        }
        finally
        {
            foreach (var d in current.Values.OfType<CompressionDictionary>().Distinct())
            {
                d.Dispose();
            }
        }
    }

    private async Task<DictionaryTrainingRow> TrainAsync(string name, int hosts, List<byte[]> keys, CompressionDictionary? current, ICollection<ExtractSummary> reads, CancellationToken cancellationToken)
    {
        var row = new DictionaryTrainingRow(core.Id, name, hosts, DictionaryVerdict.TooFewHosts) { CurrentId = current?.Id ?? 0 };
        if (hosts < DictionaryTrainer.MinimumHosts)
        {
            return row;
        }
        var samples = new SampleCollector();
        reads.Add(await fleet.RunOnCoreAsync(core, new RecordSelection { KeyGlob = "*", Keys = keys }, samples, cancellationToken));
        if (samples.Samples.Count < DictionaryTrainer.MinimumHosts)
        {
            return row with { Samples = samples.Samples.Count };
        }
        var trial = DictionaryTrial.Run(samples.Samples, current);
        using var candidate = trial.Candidate;
        var better = trial.Better(current);
        var kept = better ? candidate : current;
        var (lineBase, records, deltas) = ChooseBase(samples.Samples, kept);
        return row with
        {
            BaseId = lineBase?.Id ?? 0,
            RecordBytes = records,
            DeltaBytes = deltas,
            Verdict = better ? DictionaryVerdict.Published : DictionaryVerdict.Kept,
            Samples = samples.Samples.Count,
            HeldOut = trial.HeldOut,
            CurrentBytes = trial.CurrentBytes,
            NewId = candidate.Id,
            NewBytes = trial.CandidateBytes,
            Failures = kept is null ? [] : [.. _unreachable, .. await PublishAsync(name, kept), .. await PublishBaseAsync(name, lineBase)],
        };
    }

    /// <summary>
    /// The object's base (the samples' medoid) if the samples, stored as the smaller of their delta and
    /// their record with <paramref name="dictionary"/>, take <see cref="LineBaseTrainer.MinimumGain"/> less
    /// than as records; with the samples' bytes both ways.
    /// </summary>
    private static (LineBase? Base, long Records, long Deltas) ChooseBase(IReadOnlyList<byte[]> samples, CompressionDictionary? dictionary)
    {
        var codec = dictionary is null ? PayloadCodec.Lz4 : PayloadCodec.ZstdDictionary;
        if (LineBaseTrainer.Medoid(samples) is not { } medoid)
        {
            return (null, 0, 0);
        }
        var weighed = LineBaseTrainer.Weigh(medoid.Deltas, samples, s => RecordEncoder.Encode(s, FileStat.None, 0, codec, dictionary: dictionary));
        return (LineBaseTrainer.Pays(weighed) ? medoid.Encoder.Base : null, weighed.Records, weighed.Smaller);
    }

    /// <summary>
    /// Makes the base the object's current one on every server reached, or (none pays) names none, so
    /// that pushers stop writing deltas; records written against an earlier base keep it alive.
    /// </summary>
    private Task<IEnumerable<string>> PublishBaseAsync(string objectName, LineBase? lineBase) => OnEveryServerAsync(db => lineBase is null
        ? db.HashDeleteAsync(SharedKind.Base.CurrentKey, objectName)
        : DictionaryStore.PublishAsync(db, SharedKind.Base, objectName, lineBase.Id, lineBase.ToRecord(), DictionaryStore.PublishedLife));

    /// <summary>Every server of the core (a cluster: its first seed that answers, which routes every key); those that do not answer are noted.</summary>
    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        foreach (var server in core.Servers)
        {
            try
            {
                _writers.Add((server, await fleet.Connections.DatabaseAsync(server, cancellationToken)));
                if (core.IsCluster)
                {
                    _unreachable.Clear();
                    return;
                }
            }
            catch (SysopsFastException e)
            {
                _unreachable.Add($"{server}: {Errors.Brief(e)}");
            }
        }
    }

    /// <summary>Each object's current dictionary, as the first server that answered names it (null where it lacks the dictionary itself).</summary>
    private async Task<Dictionary<string, CompressionDictionary?>> ReadCurrentAsync()
    {
        if (_writers.Count == 0)
        {
            return [];
        }
        var (server, db) = _writers[0];
        try
        {
            var ids = await DictionaryStore.AllCurrentAsync(db);
            var dictionaries = await Task.WhenAll(ids.Values.Distinct().Select(id => DictionaryStore.ReadAsync(db, id)));
            var byId = dictionaries.OfType<CompressionDictionary>().ToDictionary(d => d.Id);
            return ids.ToDictionary(e => e.Key, e => byId.GetValueOrDefault(e.Value), StringComparer.Ordinal);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw Errors.ConfigurationError(server.ToString(), e) ?? Errors.ServerFailed(server.ToString(), e);
        }
    }

    /// <summary>Stores the dictionary and makes it the object's current one on every server reached; returns "server: why" for each that failed.</summary>
    private Task<IEnumerable<string>> PublishAsync(string objectName, CompressionDictionary dictionary) =>
        OnEveryServerAsync(db => DictionaryStore.PublishAsync(db, objectName, dictionary, DictionaryStore.PublishedLife));

    /// <summary>Runs <paramref name="write"/> on every server reached; returns "server: why" for each that failed.</summary>
    private async Task<IEnumerable<string>> OnEveryServerAsync(Func<IDatabase, Task> write)
    {
        var failures = await Task.WhenAll(_writers.Select(async w =>
        {
            try
            {
                await write(w.Db);
                return null;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                return Errors.ConfigurationError(w.Server.ToString(), e)?.Message ?? $"{w.Server}: {Errors.Brief(e)}";
            }
        }));
        return failures.OfType<string>();
    }
}
