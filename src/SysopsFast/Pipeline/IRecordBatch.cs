namespace SysopsFast.Pipeline;

/// <summary>Receives the records of a batch, in order, from the worker that owns the batch.</summary>
public interface IRecordConsumer
{
    /// <summary>A stored value under <paramref name="key"/>. Returns false to stop the query.</summary>
    bool Consume(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    /// <summary>The key was listed but had no value when fetched (it expired in between): skipped, not counted.</summary>
    void Missing(ReadOnlySpan<byte> key);

    /// <summary>
    /// Another key whose record has the same contents (the same md5) as <paramref name="value"/>, the
    /// record just passed to <see cref="Consume"/>: fetched once, decoded once, processed for each key.
    /// Returns false to stop the query.
    /// </summary>
    bool ConsumeDuplicate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);
}

/// <summary>
/// A batch of fetched records that has not been copied out of wherever it arrived: a Redis reply
/// buffer, or memory in tests. The worker that takes it hands each record to a consumer, then disposes it.
/// </summary>
public interface IRecordBatch : IDisposable
{
    /// <summary>The server the batch came from, for messages.</summary>
    string Server { get; }

    /// <summary>Records in the batch.</summary>
    int Count { get; }

    /// <summary>Feeds every record to <paramref name="consumer"/>; false if the consumer asked to stop.</summary>
    bool Feed(IRecordConsumer consumer);
}

/// <summary>
/// The front of the pipeline: discovers keys and fetches their values in batches (stages 2 and 3 of
/// docs/ARCHITECTURE.md). It writes batches and returns when it has no more; it never completes the writer.
/// </summary>
public interface IRecordBatchSource
{
    /// <summary>The servers this source reads, for the summary and for messages.</summary>
    IReadOnlyList<string> Servers { get; }

    /// <summary>
    /// Dictionaries for <see cref="Format.PayloadCodec.ZstdDictionary"/> records, filled by the
    /// source before it writes a batch that needs them; null when it has none.
    /// </summary>
    Format.CompressionDictionaries? Dictionaries => null;

    /// <summary>What the batches hold: whole records, headers alone, or keys alone.</summary>
    RecordReadMode Mode => RecordReadMode.Contents;

    /// <summary>Whether decoded contents are checked against their header's md5.</summary>
    bool CheckMd5 => false;

    /// <summary>Writes every batch of the query into <paramref name="output"/>, counting into <paramref name="statistics"/>; the caller completes the channel.</summary>
    Task ProduceAsync(ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken);
}
