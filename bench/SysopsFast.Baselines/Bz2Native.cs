using System.Runtime.InteropServices;

/// <summary>libbz2's one-shot calls: what Python's bz2.compress/decompress do for the original.</summary>
internal static partial class Bz2Native
{
    private const int Ok = 0;
    private const int OutputBufferFull = -8;

    [LibraryImport("libbz2.so.1.0")]
    private static partial int BZ2_bzBuffToBuffCompress(byte[] dest, ref uint destLen, byte[] source, uint sourceLen, int blockSize100k, int verbosity, int workFactor);

    [LibraryImport("libbz2.so.1.0")]
    private static partial int BZ2_bzBuffToBuffDecompress(byte[] dest, ref uint destLen, byte[] source, uint sourceLen, int small, int verbosity);

    /// <summary>Level 9, Python's default.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> data)
    {
        var source = data.ToArray();
        var dest = new byte[data.Length + (data.Length / 100) + 600];
        var length = (uint)dest.Length;
        var rc = BZ2_bzBuffToBuffCompress(dest, ref length, source, (uint)source.Length, 9, 0, 0);
        if (rc != Ok)
        {
            throw new InvalidOperationException($"BZ2_bzBuffToBuffCompress failed ({rc})");
        }
        return dest.AsSpan(0, (int)length).ToArray();
    }

    /// <summary>Decompresses into <paramref name="dest"/>, growing it as needed; returns the length.</summary>
    public static int Decompress(byte[] source, ref byte[] dest)
    {
        while (true)
        {
            var length = (uint)dest.Length;
            var rc = BZ2_bzBuffToBuffDecompress(dest, ref length, source, (uint)source.Length, 0, 0);
            if (rc == Ok)
            {
                return (int)length;
            }
            if (rc != OutputBufferFull)
            {
                throw new InvalidDataException($"BZ2_bzBuffToBuffDecompress failed ({rc})");
            }
            dest = new byte[dest.Length * 2];
        }
    }
}
