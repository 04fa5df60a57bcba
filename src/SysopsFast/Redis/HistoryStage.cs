using System.Globalization;
using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>A batch a history stage can look into before a worker feeds it: every record, claimed by no one.</summary>
internal interface IPeekableBatch
{
    void Peek(IRecordConsumer consumer);
}

/// <summary>
/// A stage between the fetch and the workers, one per server, that looks at each fetched batch and
/// hands on another made from it, reading the history lists of a few of its keys from the same
/// server (the as-of stage, the changed-since stage). The fetch runs one batch ahead.
/// </summary>
internal abstract class HistoryStage(IBatchFetcher inner, IQueryServer server) : IBatchFetcher
{
    /// <summary>History lists per round trip: a list holds a few versions, so a reply stays well under the reply limit.</summary>
    private const int KeysPerRead = 32;

    protected IQueryServer Server => server;

    public async Task RunAsync(ChannelReader<KeyPage> pages, ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var fetched = Channel.CreateBounded<IRecordBatch>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
        var fetch = Task.Run(async () =>
        {
            try
            {
                await inner.RunAsync(pages, fetched.Writer, statistics, stop.Token);
                fetched.Writer.TryComplete();
            }
            catch (Exception e)
            {
                fetched.Writer.TryComplete(e);
                throw;
            }
        }, CancellationToken.None);
        try
        {
            while (await fetched.Reader.WaitToReadAsync(cancellationToken))
            {
                while (fetched.Reader.TryRead(out var batch))
                {
                    await ForwardAsync(batch, output, cancellationToken);
                }
            }
        }
        catch (Exception e)
        {
            await stop.CancelAsync();
            await fetch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            while (fetched.Reader.TryRead(out var left))
            {
                left.Dispose();
            }
            // The fetch's own failure, when it is what ended the stage.
            if (fetch.Exception?.InnerException is { } fetchFailure && !ReferenceEquals(fetchFailure, e))
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(fetchFailure).Throw();
            }
            throw;
        }
        await fetch;
        Report(statistics);
    }

    /// <summary>The batch to hand on in place of <paramref name="batch"/> (which it wraps, or is).</summary>
    protected abstract Task<IRecordBatch> RewriteAsync(IRecordBatch batch);

    /// <summary>What the stage left out or could not read, said once per server when the read ends.</summary>
    protected abstract void Report(SourceStatistics statistics);

    /// <summary>Each key's history list (LRANGE 0 -1), a few keys a round trip, handed to <paramref name="use"/> with the key's index.</summary>
    protected async Task ReadHistoriesAsync(IReadOnlyList<byte[]> keys, Action<int, ReadOnlyMemory<byte>[]> use)
    {
        for (var start = 0; start < keys.Count; start += KeysPerRead)
        {
            var count = Math.Min(KeysPerRead, keys.Count - start);
            var historyKeys = new byte[count][];
            for (var i = 0; i < count; i++)
            {
                historyKeys[i] = HistoryKey.Of(keys[start + i]);
            }
            var lists = await server.ListRangesAsync(historyKeys);
            for (var i = 0; i < count; i++)
            {
                use(start + i, lists[i].Select(e => (ReadOnlyMemory<byte>)e).ToArray());
            }
        }
    }

    /// <summary>A time as the stages' warnings name it (Config/TimeParser.Text's form: Config uses Redis, so not called from here).</summary>
    protected static string Time(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private async Task ForwardAsync(IRecordBatch batch, ChannelWriter<IRecordBatch> output, CancellationToken cancellationToken)
    {
        IRecordBatch rewritten;
        try
        {
            rewritten = await RewriteAsync(batch);
        }
        catch
        {
            batch.Dispose();
            throw;
        }
        try
        {
            await output.WriteAsync(rewritten, cancellationToken);
        }
        catch
        {
            rewritten.Dispose();
            throw;
        }
    }
}

/// <summary>The keys of a batch stored after a time, with their records when asked; and the keys whose header cannot be read.</summary>
internal sealed class LateRecords(long afterMs, bool keepValues) : IRecordConsumer
{
    public List<byte[]> Keys { get; } = [];

    public List<ReadOnlyMemory<byte>> Values { get; } = [];

    /// <summary>Records whose header cannot be read: left to the decoder, which says why.</summary>
    public List<byte[]> Unreadable { get; } = [];

    public bool Consume(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (!RecordHeader.TryRead(value, out var header, out _))
        {
            Unreadable.Add(key.ToArray());
        }
        else if (header.InsertedUnixMs > afterMs)
        {
            Keys.Add(key.ToArray());
            Values.Add(keepValues ? value.ToArray() : default);
        }
        return true;
    }

    public bool ConsumeDuplicate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Consume(key, value);

    public void Missing(ReadOnlySpan<byte> key)
    {
    }
}
