using System.Collections.Concurrent;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// What the changed-since stage found (<c>--changed-since TIME</c>; docs/ARCHITECTURE.md), shared by
/// the stages of every server of one query: for each key whose contents at the time differ from now,
/// the header of its version then, or none when no version kept was current then (a new key).
/// A key stored at or before the time is unchanged without reading its history: a rewrite with the
/// same contents keeps its version's time.
/// </summary>
internal sealed class ChangeLedger(DateTimeOffset since)
{
    private readonly ConcurrentDictionary<byte[], RecordHeader?> _changed = new(ByteSequenceComparer.Instance);

    public long SinceMs { get; } = since.ToUnixTimeMilliseconds();

    public DateTimeOffset Since => since;

    /// <summary>
    /// Decides for a key stored after the time, from its current header and its history's entries
    /// (their headers alone: each holds its version's md5). True when it changed (noted); an error
    /// when its version then cannot be read.
    /// </summary>
    public bool Decide(byte[] key, in RecordHeader now, IReadOnlyList<ReadOnlyMemory<byte>> entries, out string? error)
    {
        error = null;
        var at = VersionAtTime.FromHeaders(entries, SinceMs);
        switch (at.Outcome)
        {
            case AsOfOutcome.None:
                _changed[key] = null;
                return true;
            case AsOfOutcome.Unreadable:
                error = at.Error;
                return false;
        }
        RecordHeader.TryRead(at.Record, out var then, out _, versionEntry: true);
        if (then.Md5 == now.Md5 && then.RawLength == now.RawLength)
        {
            return false; // A -> B -> A: the same contents as then
        }
        _changed[key] = then;
        return true;
    }

    /// <summary>Whether the key changed, with its version's header then (null: a new key).</summary>
    public bool TryGet(ReadOnlySpan<byte> key, out RecordHeader? then) =>
        _changed.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out then);
}
