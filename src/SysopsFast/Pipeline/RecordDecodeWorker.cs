using System.Collections.Concurrent;
using SysopsFast.Format;

namespace SysopsFast.Pipeline;

/// <summary>
/// Stage 4 (decode) feeding stage 5/6 (the processor): takes batches off the channel, checks and
/// decodes each record into its own pooled buffer and hands the contents to its processor.
/// One per core; nothing here is shared between workers except the corrupt-record queue and the dictionaries.
/// </summary>
internal sealed class RecordDecodeWorker : IRecordConsumer, IDisposable
{
    private readonly RecordDecoder _decoder;
    private readonly IRecordProcessor _processor;
    private readonly ConcurrentQueue<CorruptRecord> _corrupt;
    private readonly RecordReadMode _mode;
    private readonly LineBases? _bases;

    /// <summary>The processor, when it answers line delta records from their ops (never when contents are checked against their md5).</summary>
    private readonly ILineDeltaProcessor? _byOps;

    /// <summary>Whether the last record consumed was read from its ops, not decoded (a duplicate of it is read so too).</summary>
    private bool _lastByOps;
    private string _server = "";
    private ServerTally? _tally;

    /// <param name="checkMd5">Refuse records whose decoded contents do not match their md5 (<see cref="RecordDecoder.CheckMd5"/>).</param>
    /// <param name="processor">Takes each decoded record.</param>
    /// <param name="corrupt">Where records that cannot be read are reported.</param>
    /// <param name="dictionaries">Dictionaries for zstd-dictionary records, and bases for line delta records; null when the source has none.</param>
    /// <param name="mode">What the batches hold: whole records, headers, or keys.</param>
    public RecordDecodeWorker(IRecordProcessor processor, ConcurrentQueue<CorruptRecord> corrupt, CompressionDictionaries? dictionaries = null, RecordReadMode mode = RecordReadMode.Contents, bool checkMd5 = false)
    {
        _decoder = new RecordDecoder(dictionaries) { CheckMd5 = checkMd5 };
        _processor = processor;
        _corrupt = corrupt;
        _mode = mode;
        _bases = dictionaries?.Bases;
        _byOps = mode == RecordReadMode.Contents && !checkMd5 && processor is ILineDeltaProcessor { ReadsLineDeltas: true } delta ? delta : null;
    }

    /// <summary>Decoded bytes per server, for --cost (merged across workers at the end).</summary>
    public Dictionary<string, ServerTally> Tallies { get; } = new(StringComparer.Ordinal);

    public long Records { get; private set; }
    public long Missing { get; private set; }
    public long RawBytes { get; private set; }

    /// <summary>Line delta records read from their ops, not decoded, and their payload bytes.</summary>
    public long DeltaRecords { get; private set; }

    public long DeltaBytes { get; private set; }

    public QueryProgress? Progress { get; init; }

    /// <summary>Set when the processor asked to stop.</summary>
    public bool Stopped { get; private set; }

    /// <summary>
    /// Reads until the channel completes. Cancellation of <paramref name="stages"/> only makes it skip work: it still
    /// drains the channel, so that every leased reply buffer goes back to its pool.
    /// </summary>
    public async Task RunAsync(ChannelReader<IRecordBatch> input, CancellationTokenSource stages)
    {
        var stop = stages.Token;
        await foreach (var batch in input.ReadAllAsync(CancellationToken.None))
        {
            using (batch)
            {
                if (Stopped || stop.IsCancellationRequested)
                {
                    continue;
                }
                SwitchServer(batch.Server);
                var before = Records + Missing;
                var more = batch.Feed(this);
                Progress?.AddRecords(Records + Missing - before);
                if (!more)
                {
                    // The sink has what it wanted: stop fetching now; keep draining to return buffers.
                    Stopped = true;
                    await stages.CancelAsync();
                }
            }
            await FlushAsync(stop);
        }
    }

    /// <summary>Lets the processor hand on the batch's results; a cancelled wait only means the next batches are skipped.</summary>
    private async Task FlushAsync(CancellationToken stop)
    {
        try
        {
            await _processor.FlushAsync(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private void SwitchServer(string server)
    {
        if (_tally is null || !ReferenceEquals(_server, server))
        {
            _server = server;
            if (!Tallies.TryGetValue(server, out _tally))
            {
                Tallies[server] = _tally = new ServerTally();
            }
        }
    }

    public bool Consume(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        _lastByOps = TryByOps(key, value, out var more);
        if (_lastByOps)
        {
            return more;
        }
        RecordHeader header;
        ReadOnlySpan<byte> content = default;
        string? error;
        var valid = _mode switch
        {
            RecordReadMode.KeyOnly => Pass(out header, out error),
            RecordReadMode.Header => RecordHeader.TryRead(value, out header, out error),
            _ => _decoder.TryDecode(value, out header, out content, out error),
        };
        if (!valid)
        {
            _corrupt.Enqueue(new CorruptRecord(_server, ObjectKey.Display(key), error!));
            _processor.Corrupt(key, error!);
            return true;
        }
        Records++;
        RawBytes += content.Length;
        if (_tally is not null)
        {
            _tally.Decoded += content.Length;
        }
        return Hand(key, header, content);
    }

    /// <summary>A line delta record the processor answers from its ops; false: decode it (anything else, or a record the decoder must judge).</summary>
    private bool TryByOps(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, out bool more)
    {
        more = true;
        if (_byOps is null || !LineDeltaRecord.TryOpen(value, _bases, out var header, out var record))
        {
            return false;
        }
        var outcome = _byOps.Process(key, header, record);
        if (outcome == LineDeltaOutcome.Decode)
        {
            return false;
        }
        Records++;
        DeltaRecords++;
        DeltaBytes += record.Payload.Length;
        more = outcome == LineDeltaOutcome.Continue;
        return true;
    }

    private static bool Pass(out RecordHeader header, out string? error)
    {
        header = default;
        error = null;
        return true;
    }

    void IRecordConsumer.Missing(ReadOnlySpan<byte> key) => Missing++;

    public bool ConsumeDuplicate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (_lastByOps)
        {
            // Nothing was decoded to repeat: the ops are walked again (they are a few hundred bytes).
            return Consume(key, value);
        }
        if (!_decoder.TryRepeat(value, out var header, out var content))
        {
            // Only its md5 twin was fetched, and that one is corrupt: say so under this key too.
            const string reason = "not fetched: the record with the same md5 it was deduplicated against is corrupt";
            _corrupt.Enqueue(new CorruptRecord(_server, ObjectKey.Display(key), reason));
            _processor.Corrupt(key, reason);
            return true;
        }
        Records++;
        RawBytes += content.Length;
        if (_tally is not null)
        {
            _tally.Decoded += content.Length;
        }
        return Hand(key, header, content);
    }

    /// <summary>To the processor; one that keeps contents is given the decoder's buffer where it can be.</summary>
    private bool Hand(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content) =>
        _processor is IContentKeeper keeper ? keeper.Keep(key, header, _decoder.TakeContent(content)) : _processor.Process(key, header, content);

    public void Dispose() => _decoder.Dispose();
}
