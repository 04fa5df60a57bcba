namespace SysopsFast.Format;

/// <summary>How a record's payload is stored. The numbers are on disk: never renumber.</summary>
public enum PayloadCodec : byte
{
    None = 0,
    Lz4 = 1,
    Zstd = 2,

    /// <summary>zstd with a dictionary trained per object name; the header names it (offset 84).</summary>
    ZstdDictionary = 3,
}
