using System.IO.Hashing;

namespace SysopsFast.Format;

/// <summary>
/// Builds the element a history list keeps for a version that is being replaced (docs/FORMAT.md,
/// "History"): relative to the newer version's contents when that is allowed and smaller, else the
/// old record's bytes as they were (self-contained).
/// </summary>
internal static class VersionEntry
{
    /// <param name="oldRecord">The replaced record's bytes, as stored.</param>
    /// <param name="oldHeader">Its header.</param>
    /// <param name="oldContents">Its contents; empty when omitted or undecodable.</param>
    /// <param name="newerContents">The contents of the version that replaces it.</param>
    /// <param name="newerHasContents">False when the newer version is omitted (a relative entry needs its contents).</param>
    public static byte[] Build(ReadOnlySpan<byte> oldRecord, RecordHeader oldHeader, ReadOnlySpan<byte> oldContents, ReadOnlySpan<byte> newerContents, bool newerHasContents)
    {
        var relativeAllowed = newerHasContents && newerContents.Length <= LineBase.MaxRawLength
            && (oldHeader.Flags & RecordFlags.Omitted) == 0 && oldContents.Length == oldHeader.RawLength;
        // A relative payload is at least two bytes: it cannot beat a record of a shorter payload.
        if (!relativeAllowed || oldRecord.Length <= RecordHeader.Size + 2)
        {
            return oldRecord.ToArray();
        }
        var payload = new LineDeltaEncoder(new LineBase(newerContents.ToArray())).Encode(oldContents);
        if (payload is null || RecordHeader.Size + payload.Length >= oldRecord.Length)
        {
            return oldRecord.ToArray();
        }
        var entry = new byte[RecordHeader.Size + payload.Length];
        payload.CopyTo(entry.AsSpan(RecordHeader.Size));
        // The old version's md5, counts, stat and time stay; only the payload's fields change.
        (oldHeader with
        {
            Codec = PayloadCodec.LineDelta,
            Flags = oldHeader.Flags | RecordFlags.Relative,
            PayloadLength = payload.Length,
            PayloadChecksum = XxHash3.HashToUInt64(payload),
            DictionaryId = 0,
        }).WriteTo(entry);
        return entry;
    }
}
