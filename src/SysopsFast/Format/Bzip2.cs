using System.Runtime.InteropServices;

namespace SysopsFast.Format;

/// <summary>
/// Standard bzip2 through the system's libbz2 (Debian's libbz2-1.0), the library Python's bz2
/// module wraps: the original sysops-api cache stores every element bz2-compressed. Decompression
/// streams into a buffer that grows up to a hard cap, so a bz2 bomb costs at most the cap.
/// </summary>
internal static unsafe partial class Bzip2
{
    private const string Library = "libbz2.so.1.0";
    private const int Ok = 0;
    private const int StreamEnd = 4;
    private const int MemoryError = -3;
    private const int DataError = -4;
    private const int MagicError = -5;
    private const int FirstGrowth = 64 * 1024;

    /// <summary>libbz2's bz_stream; sequential layout gives C's offsets on 32- and 64-bit alike.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct BzStream
    {
        public byte* NextIn;
        public uint AvailIn;
        public uint TotalInLo32;
        public uint TotalInHi32;
        public byte* NextOut;
        public uint AvailOut;
        public uint TotalOutLo32;
        public uint TotalOutHi32;
        public nint State;
        public nint BzAlloc;
        public nint BzFree;
        public nint Opaque;
    }

    [LibraryImport(Library)]
    private static partial int BZ2_bzBuffToBuffCompress(byte* dest, uint* destLen, byte* source, uint sourceLen, int blockSize100k, int verbosity, int workFactor);

    [LibraryImport(Library)]
    private static partial int BZ2_bzDecompressInit(BzStream* stream, int verbosity, int small);

    [LibraryImport(Library)]
    private static partial int BZ2_bzDecompress(BzStream* stream);

    [LibraryImport(Library)]
    private static partial int BZ2_bzDecompressEnd(BzStream* stream);

    /// <summary>One stream at level 9, what Python's <c>bz2.compress</c> writes.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> data)
    {
        // libbz2's documented worst case: 1% larger plus 600 bytes.
        var dest = new byte[data.Length + (data.Length / 100) + 600];
        var length = (uint)dest.Length;
        int rc;
        // libbz2 refuses a null source even of length 0; an empty span may pin as null.
        ReadOnlySpan<byte> input = data.IsEmpty ? stackalloc byte[1] : data;
        fixed (byte* source = input, output = dest)
        {
            rc = BZ2_bzBuffToBuffCompress(output, &length, source, (uint)data.Length, 9, 0, 0);
        }
        return rc == Ok ? dest.AsSpan(0, (int)length).ToArray() : throw new InvalidOperationException($"BZ2_bzBuffToBuffCompress failed ({rc})");
    }

    /// <summary>
    /// Decompresses one or more concatenated streams (as <c>bzip2 -d</c> does) into
    /// <paramref name="buffer"/>, growing it (a new array) up to <paramref name="maxOutput"/> bytes.
    /// </summary>
    /// <returns>The number of bytes written at the start of <paramref name="buffer"/>.</returns>
    /// <exception cref="InvalidDataException">Not bzip2, damaged, truncated, or more than <paramref name="maxOutput"/> bytes.</exception>
    public static int Decompress(ReadOnlySpan<byte> source, ref byte[] buffer, int maxOutput)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (source.IsEmpty)
        {
            throw new InvalidDataException("empty, not bzip2 data");
        }
        var consumed = 0;
        var total = 0;
        while (consumed < source.Length)
        {
            total = DecompressStream(source[consumed..], ref buffer, total, maxOutput, out var used);
            consumed += used;
        }
        return total;
    }

    /// <summary>One stream of <paramref name="source"/>, appended at <paramref name="total"/>; returns the new total.</summary>
    private static int DecompressStream(ReadOnlySpan<byte> source, ref byte[] buffer, int total, int maxOutput, out int consumed)
    {
        // The stream stays on this (synchronous) frame: libbz2 remembers its address between calls.
        BzStream stream = default;
        Check(BZ2_bzDecompressInit(&stream, 0, 0));
        try
        {
            consumed = 0;
            while (true)
            {
                if (total == buffer.Length)
                {
                    buffer = Grow(buffer, total, maxOutput);
                }
                int rc;
                fixed (byte* input = source, output = buffer)
                {
                    stream.NextIn = input + consumed;
                    stream.AvailIn = (uint)(source.Length - consumed);
                    stream.NextOut = output + total;
                    stream.AvailOut = (uint)(buffer.Length - total);
                    rc = BZ2_bzDecompress(&stream);
                    consumed = source.Length - (int)stream.AvailIn;
                    total = buffer.Length - (int)stream.AvailOut;
                }
                if (rc == StreamEnd)
                {
                    return total;
                }
                Check(rc);
                if (stream.AvailIn == 0 && stream.AvailOut > 0)
                {
                    // It wants more input than there is.
                    throw new InvalidDataException("truncated bzip2 data");
                }
            }
        }
        finally
        {
            BZ2_bzDecompressEnd(&stream);
        }
    }

    private static byte[] Grow(byte[] buffer, int used, int maxOutput)
    {
        if (buffer.Length >= maxOutput)
        {
            throw new InvalidDataException($"bzip2 data decompresses to more than {maxOutput} bytes");
        }
        var grown = new byte[(int)Math.Min(Math.Max(buffer.Length * 2L, FirstGrowth), maxOutput)];
        buffer.AsSpan(0, used).CopyTo(grown);
        return grown;
    }

    private static void Check(int rc)
    {
        switch (rc)
        {
            case Ok:
                return;
            case MagicError:
                throw new InvalidDataException("not bzip2 data");
            case DataError:
                throw new InvalidDataException("damaged bzip2 data");
            case MemoryError:
                throw new InvalidDataException("libbz2 ran out of memory");
            default:
                throw new InvalidDataException($"libbz2 failed ({rc})");
        }
    }
}
