using SysopsFast.Format;

namespace SysopsFast.Pipeline;

/// <summary>What the as-of stage puts in place of a record stored after its time.</summary>
internal enum AsOfOutcome
{
    /// <summary>The version current at the time, as a record (<see cref="VersionAtTime.Record"/>).</summary>
    Replaced,

    /// <summary>No version kept was current then: the key was created later, or its history no longer reaches back.</summary>
    None,

    /// <summary>The version current then, or one it is rebuilt from, is damaged (<see cref="VersionAtTime.Error"/>).</summary>
    Unreadable,
}

/// <summary>
/// The as-of stage's choice for one key (<c>--as-of TIME</c>; docs/ARCHITECTURE.md): of the
/// versions its history keeps, the newest stored at or before the time, given to the workers as an
/// ordinary record. Whole records: when the current record is a line delta one and every entry down
/// to that version relative, their ops are composed into a line delta record against the current
/// record's base (<see cref="LineDeltaComposer"/>: nothing decoded, the workers answer from its ops
/// as from the latest data's). Else the chain is rebuilt newest to oldest only as far as that version
/// (<see cref="VersionChain"/>, every md5 checked); a self-contained entry is handed on as stored,
/// a relative one encoded afresh (codec none) from its rebuilt contents. Headers alone: the entry's
/// own header, a relative one's shown as codec none (no payload is read, so no chain is rebuilt).
/// </summary>
internal readonly record struct VersionAtTime(AsOfOutcome Outcome, byte[]? Record, string? Error)
{
    private static readonly VersionAtTime NoneKept = new(AsOfOutcome.None, null, null);

    /// <summary>From the current record and its history list (whole records).</summary>
    public static VersionAtTime FromRecords(VersionChain chain, ReadOnlyMemory<byte> current, IReadOnlyList<ReadOnlyMemory<byte>> entries, long asOfMs)
    {
        if (chain.Bases is { } bases && RelativeDepth(entries, asOfMs) is > 0 and var depth
            && LineDeltaComposer.TryCompose(current, entries, depth, bases) is { } composed)
        {
            return new(AsOfOutcome.Replaced, composed, null);
        }
        return Rebuilt(chain, current, entries, asOfMs);
    }

    /// <summary>The version rebuilt through the chain (every md5 checked): what <see cref="FromRecords"/> does when it cannot compose.</summary>
    internal static VersionAtTime Rebuilt(VersionChain chain, ReadOnlyMemory<byte> current, IReadOnlyList<ReadOnlyMemory<byte>> entries, long asOfMs)
    {
        foreach (var version in chain.Read(current, entries))
        {
            // A version whose header could not be read has time 0: it stops the walk as unreadable.
            if (version.Index == 0 || version.Header.InsertedUnixMs > asOfMs)
            {
                continue;
            }
            if (version.Error is not null)
            {
                // Its time may be unreadable too: the answer at the time cannot be known.
                return new(AsOfOutcome.Unreadable, null, $"version {version.Index}: {version.Error}");
            }
            var entry = entries[version.Index - 1];
            return new(AsOfOutcome.Replaced, (version.Header.Flags & RecordFlags.Relative) != 0 ? Encoded(version) : entry.ToArray(), null);
        }
        return NoneKept;
    }

    /// <summary>How far down the list the version at the time is, when every entry to it is relative; 0 otherwise.</summary>
    private static int RelativeDepth(IReadOnlyList<ReadOnlyMemory<byte>> entries, long asOfMs)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            if (!RecordHeader.TryRead(entries[i].Span, out var header, out _, versionEntry: true) || (header.Flags & RecordFlags.Relative) == 0)
            {
                return 0;
            }
            if (header.InsertedUnixMs <= asOfMs)
            {
                return i + 1;
            }
        }
        return 0;
    }

    /// <summary>From the history list alone, each entry's header (header reads).</summary>
    public static VersionAtTime FromHeaders(IReadOnlyList<ReadOnlyMemory<byte>> entries, long asOfMs)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            if (!RecordHeader.TryRead(entries[i].Span, out var header, out var error, versionEntry: true))
            {
                return new(AsOfOutcome.Unreadable, null, $"version {i + 1}: {error}");
            }
            if (header.InsertedUnixMs <= asOfMs)
            {
                var shown = (header.Flags & RecordFlags.Relative) == 0 ? header : header with
                {
                    Flags = header.Flags & ~RecordFlags.Relative,
                    Codec = PayloadCodec.None,
                    DictionaryId = 0,
                    PayloadLength = (int)Math.Min(header.RawLength, int.MaxValue),
                };
                var bytes = new byte[RecordHeader.Size];
                shown.WriteTo(bytes);
                return new(AsOfOutcome.Replaced, bytes, null);
            }
        }
        return NoneKept;
    }

    /// <summary>A rebuilt version as a record of its own: its stat and time, its contents stored as they are.</summary>
    private static byte[] Encoded(StoredVersion version) =>
        RecordEncoder.Encode(version.Contents.Span, version.Header.Stat, version.Header.InsertedUnixMs, PayloadCodec.None, sizeCap: long.MaxValue);
}
