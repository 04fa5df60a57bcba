using StackExchange.Redis;

namespace SysopsFast.Fleet;

/// <summary>A record with an expiry of its own (null: it never expires).</summary>
internal readonly record struct ExpiringRecord(string Key, byte[] Value, DateTimeOffset? ExpiresAt);

/// <summary>
/// What one item of an upload writes under <paramref name="Key"/>: versions with times of their own,
/// oldest first (<paramref name="Dated"/>: a dump tree's history), then <paramref name="Latest"/>
/// (null: none).
/// </summary>
internal readonly record struct UploadRecord(string Key, byte[]? Latest, IReadOnlyList<byte[]>? Dated = null);

/// <summary>What <see cref="ParallelUploader.WriteToEveryAsync"/> wrote: per server (each got the same).</summary>
internal readonly record struct UploadTotals(long Records, long Bytes, int Hosts, long Expired);

/// <summary>
/// Builds records on every core and writes them through one pipelined <see cref="RecordWriter"/>:
/// the shape shared by `fleet generate` and `import`; and writes a stream of records with expiries
/// of their own to several servers (`migrate`).
/// </summary>
internal static class ParallelUploader
{
    /// <summary>
    /// Connects to <paramref name="server"/>, writes every record (with its history when
    /// <paramref name="history"/> gives a writer), and reports a server failure as one error naming it.
    /// </summary>
    public static async Task<(long Records, long Bytes, IReadOnlyList<string> Failed)> RunAsync<T>(
        Redis.ServerAddress server,
        IEnumerable<T> items,
        Func<T, UploadRecord?> encode,
        TimeSpan? ttl,
        CancellationToken cancellationToken,
        Func<IDatabase, Task>? beforeRecords = null,
        Func<IDatabase, Push.HistoryWriter>? history = null)
    {
        await using var connections = new Redis.RedisConnections();
        var db = await connections.DatabaseAsync(server, cancellationToken);
        try
        {
            if (beforeRecords is not null)
            {
                await beforeRecords(db);
            }
            return await RunAsync(new RecordWriter(db, ttl, history: history?.Invoke(db)), items, encode, cancellationToken);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw Errors.ConfigurationError(server.ToString(), e) ?? Errors.ServerFailed(server.ToString(), e);
        }
    }

    /// <summary>
    /// Writes every record of <paramref name="records"/> to every target (replicas of one core), each
    /// with its own expiry, through one pipelined writer per target (with its history, as a version
    /// with its own time, when <paramref name="history"/> gives a writer). A record whose expiry passed
    /// on the way is written nowhere and counted as expired.
    /// </summary>
    public static async Task<UploadTotals> WriteToEveryAsync(
        Redis.RedisConnections connections,
        IReadOnlyList<Redis.ServerAddress> targets,
        ChannelReader<ExpiringRecord> records,
        Func<IDatabase, Task>? beforeRecords,
        Func<IDatabase, Task>? afterRecords,
        CancellationToken cancellationToken,
        Func<IDatabase, Push.HistoryWriter>? history = null)
    {
        var databases = new IDatabase[targets.Count];
        for (var i = 0; i < targets.Count; i++)
        {
            databases[i] = await connections.DatabaseAsync(targets[i], cancellationToken);
        }
        // Each record has a time of its own: one older than what a server holds is left out there.
        var writers = databases.Select(db => new RecordWriter(db, null, history: history?.Invoke(db)) { Dated = true }).ToArray();
        var current = 0;
        try
        {
            for (current = 0; current < databases.Length && beforeRecords is not null; current++)
            {
                await beforeRecords(databases[current]);
            }
            var expired = await WriteAllAsync(writers, targets, records, cancellationToken);
            for (current = 0; current < writers.Length; current++)
            {
                await writers[current].FlushAsync();
                await (afterRecords?.Invoke(databases[current]) ?? Task.CompletedTask);
            }
            return writers.Length == 0 ? default : new UploadTotals(writers[0].Written, writers[0].BytesWritten, writers[0].Hosts, expired);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            var target = targets[Math.Min(current, targets.Count - 1)].ToString();
            throw Errors.ConfigurationError(target, e) ?? Errors.TargetFailed(target, e);
        }
    }

    /// <summary>Each record to every writer in turn; returns the records that expired on the way.</summary>
    private static async Task<long> WriteAllAsync(RecordWriter[] writers, IReadOnlyList<Redis.ServerAddress> targets, ChannelReader<ExpiringRecord> records, CancellationToken cancellationToken)
    {
        long expired = 0;
        await foreach (var record in records.ReadAllAsync(cancellationToken))
        {
            if (record.ExpiresAt is { } at && at - DateTimeOffset.UtcNow < TimeSpan.FromMilliseconds(1))
            {
                expired++;
                continue;
            }
            for (var i = 0; i < writers.Length; i++)
            {
                try
                {
                    await writers[i].SetAsync(record.Key, record.Value, record.ExpiresAt);
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    throw Errors.ConfigurationError(targets[i].ToString(), e) ?? Errors.TargetFailed(targets[i].ToString(), e);
                }
            }
        }
        return expired;
    }

    private static async Task<(long Records, long Bytes, IReadOnlyList<string> Failed)> RunAsync<T>(
        RecordWriter writer,
        IEnumerable<T> items,
        Func<T, UploadRecord?> encode,
        CancellationToken cancellationToken)
    {
        var records = Channel.CreateBounded<UploadRecord>(new BoundedChannelOptions(1024)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        using var source = items.GetEnumerator();
        var sourceLock = new Lock();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        async Task Produce()
        {
            while (true)
            {
                T item;
                lock (sourceLock)
                {
                    stop.Token.ThrowIfCancellationRequested();
                    if (!source.MoveNext())
                    {
                        return;
                    }
                    item = source.Current;
                }
                if (encode(item) is { } record)
                {
                    await records.Writer.WriteAsync(record, stop.Token);
                }
            }
        }

        var producers = Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount)).Select(_ => Task.Run(Produce, CancellationToken.None)).ToArray();
        var completion = Task.Run(async () =>
        {
            try
            {
                await Task.WhenAll(producers);
                records.Writer.TryComplete();
            }
            catch (Exception e)
            {
                records.Writer.TryComplete(e);
            }
        }, CancellationToken.None);

        try
        {
            await foreach (var record in records.Reader.ReadAllAsync(cancellationToken))
            {
                await (record.Dated is { Count: > 0 } dated ? writer.SetVersionsAsync(record.Key, dated, record.Latest) : writer.SetAsync(record.Key, record.Latest!));
            }
            await writer.FlushAsync();
        }
        catch
        {
            // The writer failed (or the caller cancelled): the producers stop too, and are waited
            // for, so none goes on drawing items or waits forever on a channel nobody reads.
            await stop.CancelAsync();
            await completion;
            throw;
        }
        await completion;
        return (writer.Written - writer.Failed.Count, writer.BytesWritten, writer.Failed);
    }
}
