using System.Diagnostics;
using System.Runtime.ExceptionServices;
using StackExchange.Redis;
using SysopsFast.Format;
using SysopsFast.Redis;

namespace SysopsFast.Fleet;

/// <summary>A key of the original cache that was not migrated, and why.</summary>
public sealed record BadKey(string Key, string Reason);

/// <summary>What <see cref="OriginalCacheMigrator.MigrateAsync(ServerAddress, IReadOnlyList{ServerAddress}, PayloadCodec, Push.HistoryRetention, CancellationToken)"/> did. Counts and bytes are per target server (each got the same records).</summary>
/// <param name="Keys">Records written.</param>
/// <param name="Hosts">Distinct hosts among them.</param>
/// <param name="StoredBytes">Bytes of the records written to one server.</param>
/// <param name="Dictionaries">Compression dictionaries trained and stored.</param>
/// <param name="BadKeys">Keys that are not original records (wrong type or length, undecodable, md5 mismatch).</param>
/// <param name="FirstBadKeys">The first <see cref="OriginalCacheMigrator.BadKeysNamed"/> of them.</param>
/// <param name="Vanished">Keys that expired or were deleted while the migration ran.</param>
/// <param name="WithoutInsertionTime">Records of the original's four-element layout (no insertion time): stored as inserted when migrated.</param>
/// <param name="Elapsed">How long the migration took.</param>
public sealed record MigrateResult(long Keys, int Hosts, long StoredBytes, int Dictionaries, long BadKeys, IReadOnlyList<BadKey> FirstBadKeys, long Vanished, TimeSpan Elapsed, long WithoutInsertionTime = 0);

/// <summary>
/// <c>migrate</c>: reads an original sysops-api cache (one LIST of five bz2 elements per key,
/// docs/FORMAT.md) and writes each key as our record under the same name, with its insertion time,
/// stat and remaining TTL, into every target, with the key catalog and (codec ZstdDictionary)
/// dictionaries, as <c>import</c> writes them. Streams: SCAN pages → pipelined fetch batches →
/// bz2 decode on every core → pipelined writes, all through bounded channels.
/// </summary>
public static class OriginalCacheMigrator
{
    /// <summary>Bad keys named in <see cref="MigrateResult.FirstBadKeys"/>; the rest are only counted.</summary>
    public const int BadKeysNamed = 10;

    /// <summary>
    /// Dictionaries are published before the records with this life, and at the end extended to
    /// outlive their records if those need longer. Never shortened: once published, pushers may use
    /// them and extend them for records of their own.
    /// </summary>
    private static readonly TimeSpan ProvisionalDictionaryTtl = TimeSpan.FromDays(1);

    private static int Workers => Math.Max(1, Environment.ProcessorCount);

    /// <summary>Copies every original record of <paramref name="source"/> into each of <paramref name="targets"/>, encoded with <paramref name="codec"/>.</summary>
    public static async Task<MigrateResult> MigrateAsync(ServerAddress source, IReadOnlyList<ServerAddress> targets, PayloadCodec codec, CancellationToken cancellationToken) =>
        await MigrateAsync(source, targets, codec, Push.HistoryRetention.Default, cancellationToken);

    /// <summary>
    /// As <see cref="MigrateAsync(ServerAddress, IReadOnlyList{ServerAddress}, PayloadCodec, CancellationToken)"/>,
    /// each record written as push writes a changed one, keeping the record it replaces as a version
    /// by <paramref name="history"/>; a key a target holds with a record as new or newer keeps it.
    /// </summary>
    public static async Task<MigrateResult> MigrateAsync(ServerAddress source, IReadOnlyList<ServerAddress> targets, PayloadCodec codec, Push.HistoryRetention history, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(targets);
        if (codec == PayloadCodec.LineDelta)
        {
            // Bases are chosen from whole contents up front; migrate reads its source in one pass.
            throw Errors.BadArgument("migrate writes no line delta records: use --codec zstd-dictionary (push and dict train add bases later)");
        }
        if (targets.Count == 0)
        {
            throw new ArgumentException("at least one target server is needed", nameof(targets));
        }
        if (targets.Contains(source))
        {
            throw Errors.SourceIsTarget(source.ToString());
        }
        EnsureBzip2();
        var clock = Stopwatch.StartNew();
        await using var connections = new RedisConnections();
        var reader = new OriginalCacheSource(await ConnectSourceAsync(connections, source, cancellationToken), source);
        foreach (var target in targets)
        {
            await connections.DatabaseAsync(target, cancellationToken); // an unreachable target fails before any work
        }
        var dictionaries = codec == PayloadCodec.ZstdDictionary ? await SampleAsync(reader, cancellationToken) : [];
        try
        {
            var bad = new BadKeyLog();
            var (written, vanished, untimed) = await WriteAsync(reader, connections, targets, codec, dictionaries, history, bad, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), cancellationToken);
            return new MigrateResult(written.Records, written.Hosts, written.Bytes, dictionaries.Count, bad.Count, bad.First, vanished + written.Expired, clock.Elapsed, untimed);
        }
        finally
        {
            foreach (var d in dictionaries.Values)
            {
                d.Dispose();
            }
        }
    }

    private static void EnsureBzip2()
    {
        try
        {
            Bzip2.Compress([]);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw Errors.Bzip2Unavailable(e);
        }
    }

    private static async Task<IConnectionMultiplexer> ConnectSourceAsync(RedisConnections connections, ServerAddress source, CancellationToken cancellationToken)
    {
        try
        {
            return await connections.GetAsync(source, cancellationToken);
        }
        catch (SysopsFastException e)
        {
            throw Errors.SourceUnreachable(source.ToString(), e.InnerException);
        }
    }

    /// <summary>First pass: bounded samples (see <see cref="DictionarySampler"/>), then training.</summary>
    private static async Task<Dictionary<string, CompressionDictionary>> SampleAsync(OriginalCacheSource reader, CancellationToken cancellationToken)
    {
        var sampler = new DictionarySampler();
        var entries = NewChannel<OriginalEntry[]>(2);
        await RunStagesAsync(cancellationToken,
            token => CompletingAsync(entries.Writer, reader.ReadAsync(sampler.Pick, entries.Writer, token)),
            token => DecodeAllAsync(0, entries.Reader, (entry, o, _) =>
            {
                sampler.Add(entry.Key, o.Contents.Span);
                return ValueTask.CompletedTask;
            }, bad: null, token));
        return sampler.Train();
    }

    /// <summary>Second pass: every key decoded, encoded and written to every target.</summary>
    private static async Task<(UploadTotals Written, long Vanished, long Untimed)> WriteAsync(
        OriginalCacheSource reader,
        RedisConnections connections,
        IReadOnlyList<ServerAddress> targets,
        PayloadCodec codec,
        Dictionary<string, CompressionDictionary> dictionaries,
        Push.HistoryRetention history,
        BadKeyLog bad,
        long started,
        CancellationToken cancellationToken)
    {
        var entries = NewChannel<OriginalEntry[]>(2);
        var records = NewChannel<ExpiringRecord>(64);
        var lives = new DictionaryLives(dictionaries.Values);
        long vanished = 0;
        long untimed = 0;
        UploadTotals written = default;

        async ValueTask Encode(OriginalEntry entry, OriginalObject o, CancellationToken token)
        {
            var dictionary = dictionaries.GetValueOrDefault(ObjectKey.Split(entry.Key).Object);
            var effective = codec == PayloadCodec.ZstdDictionary && dictionary is null ? PayloadCodec.Lz4 : codec;
            var record = RecordEncoder.Encode(o.Contents.Span, o.Stat, o.InsertedUnixMs, effective, dictionary: dictionary);
            if (o.TimeUnknown)
            {
                Interlocked.Increment(ref untimed);
            }
            lives.Extend(dictionary, entry.ExpiresAt);
            await records.Writer.WriteAsync(new ExpiringRecord(entry.Key, record, entry.ExpiresAt), token);
        }

        await RunStagesAsync(cancellationToken,
            async token => vanished = await CompletingAsync(entries.Writer, reader.ReadAsync(key => [key], entries.Writer, token)),
            token => CompletingAsync(records.Writer, DecodeAllAsync(started, entries.Reader, Encode, bad, token)),
            async token => written = await ParallelUploader.WriteToEveryAsync(connections, targets, records.Reader,
                db => DictionaryStore.PublishAllAsync(db, dictionaries, DictionaryStore.LifeFor(ProvisionalDictionaryTtl)),
                lives.StoreFinalAsync,
                token,
                db => new Push.HistoryWriter(db, history, FleetImporter.Lender((dictionaries, new Dictionary<string, LineDeltaEncoder>())))));
        return (written, vanished, untimed);
    }

    /// <summary>Decode workers, one per core, each with its own decoder; a bad key is logged and skipped.</summary>
    /// <param name="started">When the migration began: the insertion time of records that have none.</param>
    /// <param name="input">Batches of original entries fetched.</param>
    /// <param name="consume">Takes each decoded object (its contents are valid only during the call).</param>
    /// <param name="bad">Where keys that do not decode are named; null to only skip them.</param>
    /// <param name="cancellationToken">Stops every worker.</param>
    private static Task DecodeAllAsync(long started, ChannelReader<OriginalEntry[]> input, Func<OriginalEntry, OriginalObject, CancellationToken, ValueTask> consume, BadKeyLog? bad, CancellationToken cancellationToken) =>
        RunStagesAsync(cancellationToken, Enumerable.Repeat<Func<CancellationToken, Task>>(async token =>
        {
            var decoder = new OriginalRecordDecoder(started);
            await foreach (var batch in input.ReadAllAsync(token))
            {
                foreach (var entry in batch)
                {
                    if (decoder.Decode(entry, out var decoded) is { } problem)
                    {
                        bad?.Add(new BadKey(entry.Key, problem));
                        continue;
                    }
                    await consume(entry, decoded, token);
                }
            }
        }, Workers).ToArray());

    private static Channel<T> NewChannel<T>(int capacity) => Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });

    /// <summary>
    /// Completes <paramref name="output"/> when <paramref name="stage"/> succeeds. A failed stage leaves
    /// it open: <see cref="RunStagesAsync"/> cancels the readers, and the error stays the first one.
    /// </summary>
    private static async Task CompletingAsync<T>(ChannelWriter<T> output, Task stage)
    {
        await stage;
        output.TryComplete();
    }

    private static async Task<TResult> CompletingAsync<T, TResult>(ChannelWriter<T> output, Task<TResult> stage)
    {
        var result = await stage;
        output.TryComplete();
        return result;
    }

    /// <summary>Runs stages together; the first to fail cancels the others, and its error is the one thrown.</summary>
    private static async Task RunStagesAsync(CancellationToken cancellationToken, params Func<CancellationToken, Task>[] stages)
    {
        using var all = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? failure = null;
        await Task.WhenAll(stages.Select(stage => Task.Run(async () =>
        {
            try
            {
                await stage(all.Token);
            }
            catch (OperationCanceledException) when (all.IsCancellationRequested)
            {
                // stopped by the caller or by another stage's failure
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
                await all.CancelAsync();
            }
        }, CancellationToken.None)));
        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Counts bad keys and keeps the first ones (workers add concurrently).</summary>
    private sealed class BadKeyLog
    {
        private readonly Lock _lock = new();
        private readonly List<BadKey> _first = [];

        public long Count { get; private set; }

        public IReadOnlyList<BadKey> First
        {
            get
            {
                lock (_lock)
                {
                    return _first.ToArray();
                }
            }
        }

        public void Add(BadKey key)
        {
            lock (_lock)
            {
                Count++;
                if (_first.Count < BadKeysNamed)
                {
                    _first.Add(key);
                }
            }
        }
    }

    /// <summary>
    /// The latest expiry of the records written with each dictionary: at the end each dictionary's
    /// life is extended to outlive them (an hour more), when the provisional one is shorter.
    /// </summary>
    private sealed class DictionaryLives(IEnumerable<CompressionDictionary> dictionaries)
    {
        private readonly Dictionary<uint, (CompressionDictionary Dictionary, double Latest)> _lives =
            dictionaries.ToDictionary(d => d.Id, d => (d, double.NegativeInfinity));

        private readonly Lock _lock = new();

        public void Extend(CompressionDictionary? dictionary, DateTimeOffset? expiresAt)
        {
            if (dictionary is null)
            {
                return;
            }
            var expiry = expiresAt?.ToUnixTimeMilliseconds() ?? double.PositiveInfinity;
            lock (_lock)
            {
                var life = _lives[dictionary.Id];
                _lives[dictionary.Id] = life with { Latest = Math.Max(life.Latest, expiry) };
            }
        }

        public Task StoreFinalAsync(IDatabase db)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var stores = new List<Task>();
            foreach (var (dictionary, latest) in _lives.Values)
            {
                if (double.IsPositiveInfinity(latest))
                {
                    stores.Add(DictionaryStore.StoreAsync(db, dictionary, null));
                }
                else if (latest > now)
                {
                    stores.Add(DictionaryStore.StoreAsync(db, dictionary, DictionaryStore.LifeFor(TimeSpan.FromMilliseconds(latest - now))));
                }
                // else: no record of it is left; the provisional copy expires by itself
            }
            return Task.WhenAll(stores);
        }
    }
}
