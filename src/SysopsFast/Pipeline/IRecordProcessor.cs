using SysopsFast.Format;

namespace SysopsFast.Pipeline;

/// <summary>What the query does with each decoded record (grep, dump, …). One per worker.</summary>
public interface IRecordProcessor
{
    /// <summary>Returns false to stop the whole query (the sink has what it wanted).</summary>
    bool Process(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content);

    /// <summary>
    /// A record of this worker's batches that could not be read (it is also in the summary's
    /// <see cref="ExtractSummary.Corrupt"/>). Most processors skip it; one that compares copies
    /// (verify) counts it as a copy that differs.
    /// </summary>
    void Corrupt(ReadOnlySpan<byte> key, string reason)
    {
    }

    /// <summary>
    /// After each batch, its buffers already returned: a processor that hands results to a slower
    /// consumer waits here, asynchronously, instead of blocking its worker's thread in <see cref="Process"/>.
    /// </summary>
    ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>
/// A processor that keeps whole contents (a fetch): handed each record's contents as an array of
/// its own, the decoder's buffer when it can be given up, so a large record is held once, not twice.
/// </summary>
internal interface IContentKeeper
{
    /// <summary>As <see cref="IRecordProcessor.Process"/>, with contents the processor may keep.</summary>
    bool Keep(ReadOnlySpan<byte> key, in RecordHeader header, byte[] content);
}

/// <summary>Makes one processor per decode worker and hears when they have all stopped.</summary>
public interface IRecordProcessorFactory
{
    /// <summary>One processor for one worker; called once per worker before the query reads.</summary>
    IRecordProcessor CreateForWorker();

    /// <summary>Called once when every worker has stopped, whatever ended the query (a failure too, before it is thrown), in the same order as they were created.</summary>
    void Complete(IReadOnlyList<IRecordProcessor> processors);
}
