using SysopsFast.Format;

namespace SysopsFast.Pipeline;

/// <summary>
/// A processor that can answer from a line delta record's ops and its base, without the contents
/// rebuilt (issue 18 §1): the worker offers it each such record it opens; one it declines is decoded
/// and handed to <see cref="IRecordProcessor.Process"/> as any other.
/// </summary>
internal interface ILineDeltaProcessor
{
    /// <summary>Whether this processor reads line deltas at all (for this query's options); asked once.</summary>
    bool ReadsLineDeltas { get; }

    /// <summary>
    /// Processes one record from its ops. Declining (<see cref="LineDeltaOutcome.Decode"/>) is decided
    /// before anything is counted or handed on.
    /// </summary>
    LineDeltaOutcome Process(ReadOnlySpan<byte> key, in RecordHeader header, in LineDeltaRecord record);
}

/// <summary>What became of a record offered to <see cref="ILineDeltaProcessor.Process"/>.</summary>
internal enum LineDeltaOutcome
{
    /// <summary>Processed; go on.</summary>
    Continue,

    /// <summary>Processed; the query has what it wanted (as <see cref="IRecordProcessor.Process"/> returning false).</summary>
    Stop,

    /// <summary>Not processed: decode the record and process its contents.</summary>
    Decode,
}
