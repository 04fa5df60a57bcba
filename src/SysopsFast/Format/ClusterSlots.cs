namespace SysopsFast.Format;

/// <summary>
/// Redis Cluster's hash slot of a key: CRC16 (XMODEM: polynomial 0x1021, initial 0) of the key, or of
/// its hash tag (the bytes between the first '{' and the next '}', when not empty), modulo 16,384.
/// </summary>
internal static class ClusterSlots
{
    /// <summary>Hash slots of every Redis Cluster.</summary>
    public const int Count = 16384;

    private static readonly ushort[] Table = BuildTable();

    public static int Of(ReadOnlySpan<byte> key) => Crc16(HashedPart(key)) & (Count - 1);

    /// <summary>The hash tag if the key has a non-empty one, else the whole key.</summary>
    private static ReadOnlySpan<byte> HashedPart(ReadOnlySpan<byte> key)
    {
        var open = key.IndexOf((byte)'{');
        if (open < 0)
        {
            return key;
        }
        var close = key[(open + 1)..].IndexOf((byte)'}');
        return close > 0 ? key.Slice(open + 1, close) : key;
    }

    internal static ushort Crc16(ReadOnlySpan<byte> bytes)
    {
        ushort crc = 0;
        foreach (var b in bytes)
        {
            crc = (ushort)((crc << 8) ^ Table[((crc >> 8) ^ b) & 0xff]);
        }
        return crc;
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var crc = (ushort)(i << 8);
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (ushort)((crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1);
            }
            table[i] = crc;
        }
        return table;
    }
}
