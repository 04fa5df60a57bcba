using System.Globalization;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// The changed-since stage (<c>--changed-since TIME</c>), one per server, between the header fetch
/// and the workers: of each fetched batch it hands on only the records whose contents changed since
/// the time (<see cref="ChangeLedger"/>). A record stored at or before the time is unchanged and
/// costs nothing more; only the others' history lists are read (LRANGE, a few keys a round trip),
/// and only their entries' headers are looked at. A record whose header cannot be read goes on, for
/// the decoder to report.
/// </summary>
internal sealed class ChangedSinceFetcher(IBatchFetcher inner, IQueryServer server, ChangeLedger ledger) : HistoryStage(inner, server)
{
    private long _unreadable;
    private string? _firstUnreadable;

    protected override async Task<IRecordBatch> RewriteAsync(IRecordBatch batch)
    {
        if (batch is not IPeekableBatch peekable)
        {
            return batch;
        }
        var late = new LateRecords(ledger.SinceMs, keepValues: true);
        peekable.Peek(late);
        var passed = new HashSet<byte[]>(late.Unreadable, ByteSequenceComparer.Instance);
        await ReadHistoriesAsync(late.Keys, (i, entries) =>
        {
            RecordHeader.TryRead(late.Values[i].Span, out var now, out _);
            if (ledger.Decide(late.Keys[i], now, entries, out var error))
            {
                passed.Add(late.Keys[i]);
            }
            else if (error is not null && ++_unreadable == 1)
            {
                _firstUnreadable = $"{ObjectKey.Display(late.Keys[i])}: {error}";
            }
        });
        return new KeptRecordBatch(batch, passed);
    }

    protected override void Report(SourceStatistics statistics)
    {
        if (_unreadable > 0)
        {
            statistics.Warn(string.Create(CultureInfo.InvariantCulture, $"{Server.Name}: {_unreadable} key(s) left out: their version at {Time(ledger.SinceMs)} cannot be read (e.g. {_firstUnreadable})"));
        }
    }
}

/// <summary>A fetched batch of which only the given keys' records are fed (keys found gone still are).</summary>
internal sealed class KeptRecordBatch(IRecordBatch inner, HashSet<byte[]> kept) : IRecordBatch
{
    public string Server => inner.Server;

    public int Count => inner.Count;

    public bool Feed(IRecordConsumer consumer) => inner.Feed(new Keeping(consumer, kept.GetAlternateLookup<ReadOnlySpan<byte>>()));

    public void Dispose() => inner.Dispose();

    private sealed class Keeping(IRecordConsumer consumer, HashSet<byte[]>.AlternateLookup<ReadOnlySpan<byte>> kept) : IRecordConsumer
    {
        public bool Consume(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => !kept.Contains(key) || consumer.Consume(key, value);

        public bool ConsumeDuplicate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => !kept.Contains(key) || consumer.ConsumeDuplicate(key, value);

        public void Missing(ReadOnlySpan<byte> key) => consumer.Missing(key);
    }
}
