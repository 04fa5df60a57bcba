using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// Stage 3 (fetch) for metadata queries: reads only the fixed header of each record (its first 120
/// bytes), a page of keys per round trip, a bounded number of pages in flight. Nothing of the
/// payload crosses the wire, so <c>--md5sum</c> over a fleet moves about 120 bytes a host.
/// </summary>
internal sealed class HeaderBatchFetcher(IQueryServer server, ExtractOptions options, KeyClaims? claims) : IBatchFetcher
{
    /// <summary>Keys per header read: 2,000 headers are 240 KB, about one MGET's worth.</summary>
    private const int KeysPerRead = 2000;

    public async Task RunAsync(ChannelReader<KeyPage> pages, ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        var inFlight = new Queue<(byte[][] Keys, Task<byte[][]> Headers)>();
        try
        {
            await foreach (var page in pages.ReadAllAsync(cancellationToken))
            {
                // As arrays: each header is kept with its key. On a retry, keys a worker has taken are left out.
                var keys = page.TakeArrays();
                keys = claims is null ? keys : Array.FindAll(keys, k => !claims.IsClaimed(k));
                foreach (var chunk in keys.Chunk(KeysPerRead))
                {
                    while (inFlight.Count >= options.MaxBatchesInFlightPerServer)
                    {
                        await ForwardAsync(inFlight.Dequeue(), output, statistics, cancellationToken);
                    }
                    inFlight.Enqueue((chunk, server.ReadHeadersAsync(chunk)));
                }
            }
            while (inFlight.Count > 0)
            {
                await ForwardAsync(inFlight.Dequeue(), output, statistics, cancellationToken);
            }
        }
        finally
        {
            // Replies asked for before a failure still arrive; nothing to return, but observe them.
            foreach (var (_, headers) in inFlight)
            {
                _ = headers.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
    }

    private async Task ForwardAsync((byte[][] Keys, Task<byte[][]> Headers) read, ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        var headers = await read.Headers;
        long bytes = 0;
        foreach (var h in headers)
        {
            bytes += h.Length;
        }
        statistics.AddBatch(server.Name, bytes);
        await output.WriteAsync(new KeyValueBatch(server.Name, read.Keys, headers, claims), cancellationToken);
    }
}

/// <summary>
/// Stage 3 for key discovery alone (<c>search</c>, <c>list-files</c>): no value is fetched; each page
/// of keys becomes a batch whose records are the keys that exist (one pipelined EXISTS per key, a
/// round trip per 2,000), so a catalog entry for a key that is not there is never an answer.
/// </summary>
internal sealed class KeyOnlyForwarder(IQueryServer server, KeyClaims? claims) : IBatchFetcher
{
    private const int KeysPerCheck = 2000;

    public async Task RunAsync(ChannelReader<KeyPage> pages, ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        await foreach (var page in pages.ReadAllAsync(cancellationToken))
        {
            foreach (var chunk in page.TakeArrays().Chunk(KeysPerCheck))
            {
                var exists = await server.KeysExistAsync(chunk);
                var present = chunk.Where((_, i) => exists[i]).ToArray();
                await output.WriteAsync(new KeyValueBatch(server.Name, present, null, claims), cancellationToken);
            }
        }
    }
}

/// <summary>What the fetch stage of one server does with the pages of keys discovery gives it.</summary>
internal interface IBatchFetcher
{
    Task RunAsync(ChannelReader<KeyPage> pages, ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken);
}

/// <summary>
/// Keys with small values held as arrays (headers), or with no values at all (key discovery). An
/// empty value is a key that was gone when read.
/// </summary>
internal sealed class KeyValueBatch(string server, byte[][] keys, byte[][]? values, KeyClaims? claims) : IRecordBatch, IPeekableBatch
{
    public string Server => server;

    public int Count => keys.Length;

    public bool Feed(IRecordConsumer consumer) => Feed(consumer, claims);

    /// <summary>Each record as it is, claimed by no one (the as-of stage looks before the workers feed).</summary>
    public void Peek(IRecordConsumer consumer) => Feed(consumer, null);

    private bool Feed(IRecordConsumer consumer, KeyClaims? taken)
    {
        for (var i = 0; i < keys.Length; i++)
        {
            var key = keys[i];
            if (values is not null && values[i].Length == 0)
            {
                // Not claimed: another server of the core may still hold it (asked with every server).
                if (taken is null || !taken.IsClaimed(key))
                {
                    consumer.Missing(key);
                }
                continue;
            }
            if (taken is not null && !taken.TryClaim(key))
            {
                continue; // another server of this core delivered it
            }
            if (!consumer.Consume(key, values is null ? default : values[i]))
            {
                return false;
            }
        }
        return true;
    }

    public void Dispose()
    {
    }
}
