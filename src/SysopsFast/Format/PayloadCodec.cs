namespace SysopsFast.Format;

/// <summary>How a record's payload is stored. The numbers are on disk: never renumber.</summary>
public enum PayloadCodec : byte
{
    /// <summary>Stored as is.</summary>
    None = 0,
    /// <summary>LZ4 block format: the fastest to decode, the default for a single host's push.</summary>
    Lz4 = 1,
    /// <summary>zstd without a dictionary: smaller than LZ4, slower to encode.</summary>
    Zstd = 2,

    /// <summary>zstd with a dictionary trained per object name; the header names it (offset 84).</summary>
    ZstdDictionary = 3,

    /// <summary>
    /// Line delta: the contents as copied, skipped, inserted and edited lines of a base version of
    /// the object kept per core; the header names the base (offset 84). docs/FORMAT.md.
    /// </summary>
    LineDelta = 4,
}
