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

    /// <summary>
    /// Where the character at <paramref name="index"/> ends (one past the line's end at its end):
    /// after an empty match the search moves on by a whole character, as GNU grep's does.
    /// </summary>
    public static int AfterCharacter(ReadOnlySpan<byte> line, int index)
    {
        if (index >= line.Length)
        {
            return index + 1;
        }
        System.Text.Rune.DecodeFromUtf8(line[index..], out _, out var length);
        return index + length;
    }
}
