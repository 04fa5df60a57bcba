using System.Globalization;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>A batch the as-of stage can look into before a worker feeds it: every record, claimed by no one.</summary>
internal interface IPeekableBatch
{
    void Peek(IRecordConsumer consumer);
}

/// <summary>
/// The as-of stage (<c>--as-of TIME</c>), one per server, between the fetch and the workers, for
/// every query alike: in each fetched batch, a record stored after the time is replaced by the
/// version its history says was current then (<see cref="VersionAtTime"/>), or left out when none
/// was. Only those keys' history lists are read (LRANGE, a few keys a round trip, from the same
/// server), so a query as of a recent time costs little more than one on the latest data.
/// </summary>
internal sealed class AsOfFetcher(IBatchFetcher inner, IQueryServer server, long asOfMs, RecordReadMode mode, CompressionDictionaries? dictionaries) : IBatchFetcher
{
    /// <summary>History lists per round trip: a list holds a few versions, so a reply stays well under the reply limit.</summary>
    private const int KeysPerRead = 32;

    private long _none;
    private long _unreadable;
    private string? _firstUnreadable;

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

    /// <summary>The batch, with each record stored after the time replaced or left out; the batch itself when none was.</summary>
    private async Task<IRecordBatch> RewriteAsync(IRecordBatch batch)
    {
        if (batch is not IPeekableBatch peekable)
        {
            return batch;
        }
        var late = new LateRecords(asOfMs, keepValues: mode == RecordReadMode.Contents);
        peekable.Peek(late);
        if (late.Keys.Count == 0)
        {
            return batch;
        }
        var replacements = new Dictionary<byte[], byte[]?>(ByteSequenceComparer.Instance);
        using var decoder = mode == RecordReadMode.Contents ? new RecordDecoder(dictionaries) : null;
        var chain = decoder is null ? null : new VersionChain(decoder);
        for (var start = 0; start < late.Keys.Count; start += KeysPerRead)
        {
            var keys = late.Keys.GetRange(start, Math.Min(KeysPerRead, late.Keys.Count - start));
            var lists = await server.ListRangesAsync([.. keys.Select(k => HistoryKey.Of(k))]);
            for (var i = 0; i < keys.Count; i++)
            {
                var entries = lists[i].Select(e => (ReadOnlyMemory<byte>)e).ToArray();
                var at = chain is null
                    ? VersionAtTime.FromHeaders(entries, asOfMs)
                    : VersionAtTime.FromRecords(chain, late.Values[start + i], entries, asOfMs);
                replacements[keys[i]] = Count(at, keys[i]);
            }
        }
        return new AsOfRecordBatch(batch, replacements);
    }

    /// <summary>Counts what is left out; returns the record to feed in the key's place (null: none).</summary>
    private byte[]? Count(VersionAtTime at, byte[] key)
    {
        if (at.Outcome == AsOfOutcome.None)
        {
            _none++;
        }
        else if (at.Outcome == AsOfOutcome.Unreadable && ++_unreadable == 1)
        {
            _firstUnreadable = $"{ObjectKey.Display(key)}: {at.Error}";
        }
        return at.Record;
    }

    /// <summary>The keys left out, said once per server as a partial answer is.</summary>
    private void Report(SourceStatistics statistics)
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds(asOfMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (_none > 0)
        {
            statistics.Warn(string.Create(CultureInfo.InvariantCulture, $"{server.Name}: {_none} key(s) left out: created after {time}, or their history no longer reaches back to it"));
        }
        if (_unreadable > 0)
        {
            statistics.Warn(string.Create(CultureInfo.InvariantCulture, $"{server.Name}: {_unreadable} key(s) left out: their version at {time} cannot be rebuilt (e.g. {_firstUnreadable})"));
        }
    }

    /// <summary>The keys of a batch stored after the time, with their records when they are whole.</summary>
    private sealed class LateRecords(long asOfMs, bool keepValues) : IRecordConsumer
    {
        public List<byte[]> Keys { get; } = [];

        public List<ReadOnlyMemory<byte>> Values { get; } = [];

        public bool Consume(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            // A record whose header cannot be read is left to the decoder, which says why.
            if (RecordHeader.TryRead(value, out var header, out _) && header.InsertedUnixMs > asOfMs)
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
}

/// <summary>A fetched batch with some records replaced by older versions, or left out (null).</summary>
internal sealed class AsOfRecordBatch(IRecordBatch inner, Dictionary<byte[], byte[]?> replacements) : IRecordBatch
{
    public string Server => inner.Server;

    public int Count => inner.Count;

    public bool Feed(IRecordConsumer consumer) => inner.Feed(new Replacing(consumer, replacements.GetAlternateLookup<ReadOnlySpan<byte>>()));

    public void Dispose() => inner.Dispose();

    private sealed class Replacing(IRecordConsumer consumer, Dictionary<byte[], byte[]?>.AlternateLookup<ReadOnlySpan<byte>> replacements) : IRecordConsumer
    {
        public bool Consume(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) =>
            !replacements.TryGetValue(key, out var version) ? consumer.Consume(key, value)
            : version is null || consumer.Consume(key, version);

        public bool ConsumeDuplicate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) =>
            !replacements.TryGetValue(key, out var version) ? consumer.ConsumeDuplicate(key, value)
            : version is null || consumer.Consume(key, version);

        public void Missing(ReadOnlySpan<byte> key) => consumer.Missing(key);
    }
}
