using System.Buffers;

namespace SysopsFast.Format;

/// <summary>
/// Unsigned LEB128 of at most 5 bytes, values 0 to 2^31−1: every count and length of a line delta
/// payload (docs/FORMAT.md). A reader refuses longer or larger ones, so no count overflows an int.
/// </summary>
internal static class Leb128
{
    /// <summary>The most bytes one value takes.</summary>
    public const int MaxBytes = 5;

    public static void Write(IBufferWriter<byte> to, int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        var span = to.GetSpan(MaxBytes);
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

    /// <summary>Reads one value at <paramref name="at"/>; false when it is truncated, over 5 bytes or over int.MaxValue.</summary>
    public static bool TryRead(ReadOnlySpan<byte> from, ref int at, out int value)
    {
        uint v = 0;
        for (var shift = 0; shift < 7 * MaxBytes && at < from.Length; shift += 7)
        {
            var b = from[at++];
            v |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                // The fifth byte carries bits 28–34: only 28–30 fit under 2^31.
                value = (int)v;
                return shift < 28 || b <= 0x07;
            }
        }
        value = 0;
        return false;
    }
}
