namespace SysopsFast.Grep;

internal static class LineBounds
{
    /// <summary>The start of the line holding <paramref name="index"/>, not looking before <paramref name="floor"/>.</summary>
    public static int StartOf(ReadOnlySpan<byte> buffer, int index, int floor)
    {
        var nl = buffer[floor..index].LastIndexOf((byte)'\n');
        return nl < 0 ? floor : floor + nl + 1;
    }

    /// <summary>The index of the '\n' ending the line holding <paramref name="index"/>, or the buffer length.</summary>
    public static int EndOf(ReadOnlySpan<byte> buffer, int index)
    {
        var nl = buffer[index..].IndexOf((byte)'\n');
        return nl < 0 ? buffer.Length : index + nl;
    }
}
