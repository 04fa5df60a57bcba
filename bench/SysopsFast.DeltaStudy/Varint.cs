using System.Buffers;

namespace SysopsFast.DeltaStudy;

/// <summary>Unsigned LEB128, at most 5 bytes (values under 2^31): every count and length of a delta payload.</summary>
internal static class Varint
{
    public static void Write(IBufferWriter<byte> to, int value)
    {
        var span = to.GetSpan(5);
        var n = 0;
        var v = (uint)value;
        while (v >= 0x80)
        {
            span[n++] = (byte)(v | 0x80);
            v >>= 7;
        }
        span[n++] = (byte)v;
        to.Advance(n);
    }

    /// <summary>Reads one value at <paramref name="at"/>; false (corrupt) when truncated, over 5 bytes or over int.MaxValue.</summary>
    public static bool TryRead(ReadOnlySpan<byte> from, ref int at, out int value)
    {
        uint v = 0;
        for (var shift = 0; shift < 35 && at < from.Length; shift += 7)
        {
            var b = from[at++];
            v |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                value = (int)v;
                return v <= int.MaxValue && (shift < 28 || b <= 0x07);
            }
        }
        value = 0;
        return false;
    }
}
