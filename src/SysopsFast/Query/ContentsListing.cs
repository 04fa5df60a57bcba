using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Query;

/// <summary>
/// What <see cref="FleetQuery.ReadContentsAsync"/> read: the records handed over, the objects
/// stored without contents (over the size cap when pushed) and the keys gone before they were fetched.
/// </summary>
/// <param name="Read">Records handed over.</param>
/// <param name="Omitted">Keys of the objects stored without their contents, in key order.</param>
/// <param name="Expired">Keys listed whose record was gone when fetched.</param>
/// <param name="Summaries">The header phase, then each chunk's fetch.</param>
public sealed record ContentsListing(long Read, IReadOnlyList<string> Omitted, long Expired, IReadOnlyList<ExtractSummary> Summaries)
{
    /// <summary>Records fetched at once: memory holds a chunk, never the fleet's contents.</summary>
    internal const int ChunkRecords = 256;

    /// <summary>Raw bytes of the records fetched at once.</summary>
    internal const long ChunkBytes = 64L << 20;

    /// <summary>
    /// The keys of the records stored with their contents, cut into runs of at most
    /// <see cref="ChunkRecords"/> records and <see cref="ChunkBytes"/> bytes (a larger record alone).
    /// </summary>
    internal static IEnumerable<byte[][]> Chunks(RecordMetadataList records)
    {
        var chunk = new List<byte[]>();
        long bytes = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var length = records.Header(i).RawLength;
            if (IsOmitted(records, i))
            {
                continue;
            }
            if (chunk.Count > 0 && (chunk.Count == ChunkRecords || bytes + length > ChunkBytes))
            {
                yield return chunk.ToArray();
                chunk.Clear();
                bytes = 0;
            }
            chunk.Add(records.KeyBytes(i).ToArray());
            bytes += length;
        }
        if (chunk.Count > 0)
        {
            yield return chunk.ToArray();
        }
    }

    /// <summary>Whether a record was stored without its contents.</summary>
    internal static bool IsOmitted(RecordMetadataList records, int index) => (records.Header(index).Flags & RecordFlags.Omitted) != 0;
}
