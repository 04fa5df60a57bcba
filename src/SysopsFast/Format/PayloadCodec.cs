namespace SysopsFast.Format;

/// <summary>How a record's payload is stored. The numbers are on disk: never renumber.</summary>
public enum PayloadCodec : byte
{
    None = 0,
    Lz4 = 1,
    Zstd = 2,
}
