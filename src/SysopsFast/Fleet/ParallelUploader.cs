using StackExchange.Redis;

namespace SysopsFast.Fleet;

/// <summary>
/// Builds records on every core and writes them through one pipelined <see cref="RecordWriter"/>:
/// the shape shared by `fleet generate` and `import`.
/// </summary>
internal static class ParallelUploader
{
    /// <summary>Connects to <paramref name="server"/>, writes every record, and reports a server failure as one error naming it.</summary>
    public static async Task<(long Records, long Bytes)> RunAsync<T>(
        Redis.ServerAddress server,
        IEnumerable<T> items,
        Func<T, (string Key, byte[] Value)?> encode,
        TimeSpan? ttl,
        CancellationToken cancellationToken,
        Func<IDatabase, Task>? beforeRecords = null)
    {
        await using var connections = new Redis.RedisConnections();
        var db = await connections.DatabaseAsync(server, cancellationToken);
        try
        {
            if (beforeRecords is not null)
            {
                await beforeRecords(db);
            }
            return await RunAsync(db, items, encode, ttl, cancellationToken);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw Errors.ServerFailed(server.ToString(), e);
        }
    }

    private static async Task<(long Records, long Bytes)> RunAsync<T>(
        IDatabase db,
        IEnumerable<T> items,
        Func<T, (string Key, byte[] Value)?> encode,
        TimeSpan? ttl,
        CancellationToken cancellationToken)
    {
        var writer = new RecordWriter(db, ttl);
        var records = Channel.CreateBounded<(string Key, byte[] Value)>(new BoundedChannelOptions(1024)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        using var source = items.GetEnumerator();
        var sourceLock = new Lock();

        async Task Produce()
        {
            while (true)
            {
                T item;
                lock (sourceLock)
                {
                    if (!source.MoveNext())
                    {
                        return;
                    }
                    item = source.Current;
                }
                if (encode(item) is { } record)
                {
                    await records.Writer.WriteAsync(record, cancellationToken);
                }
            }
        }

        var producers = Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount)).Select(_ => Task.Run(Produce, cancellationToken)).ToArray();
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

        await foreach (var (key, value) in records.Reader.ReadAllAsync(cancellationToken))
        {
            await writer.SetAsync(key, value);
        }
        await writer.FlushAsync();
        await completion;
        return (writer.Written, writer.BytesWritten);
    }
}
