using System.Globalization;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// The as-of stage (<c>--as-of TIME</c>), one per server, between the fetch and the workers, for
/// every query alike: in each fetched batch, a record stored after the time is replaced by the
/// version its history says was current then (<see cref="VersionAtTime"/>), or left out when none
/// was. Only those keys' history lists are read (LRANGE, a few keys a round trip, from the same
/// server), so a query as of a recent time costs little more than one on the latest data.
/// </summary>
internal sealed class AsOfFetcher(IBatchFetcher inner, IQueryServer server, long asOfMs, RecordReadMode mode, CompressionDictionaries? dictionaries) : HistoryStage(inner, server)
{
    private long _none;
    private long _unreadable;
    private string? _firstUnreadable;

    /// <summary>The batch, with each record stored after the time replaced or left out; the batch itself when none was.</summary>
    protected override async Task<IRecordBatch> RewriteAsync(IRecordBatch batch)
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
        await ReadHistoriesAsync(late.Keys, (i, entries) =>
        {
            var at = chain is null
                ? VersionAtTime.FromHeaders(entries, asOfMs)
                : VersionAtTime.FromRecords(chain, late.Values[i], entries, asOfMs);
            replacements[late.Keys[i]] = Count(at, late.Keys[i]);
        });
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
    protected override void Report(SourceStatistics statistics)
    {
        var time = Time(asOfMs);
        if (_none > 0)
        {
            statistics.Warn(string.Create(CultureInfo.InvariantCulture, $"{Server.Name}: {_none} key(s) left out: created after {time}, or their history no longer reaches back to it"));
        }
        if (_unreadable > 0)
        {
            statistics.Warn(string.Create(CultureInfo.InvariantCulture, $"{Server.Name}: {_unreadable} key(s) left out: their version at {time} cannot be rebuilt (e.g. {_firstUnreadable})"));
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

        // A duplicate has its leader's bytes, so its time too: both are replaced or neither is, and a
        // duplicate passed on as one always follows its own leader's unreplaced record.
        public bool ConsumeDuplicate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) =>
            !replacements.TryGetValue(key, out var version) ? consumer.ConsumeDuplicate(key, value)
            : version is null || consumer.Consume(key, version);

        public void Missing(ReadOnlySpan<byte> key) => consumer.Missing(key);
    }
}
