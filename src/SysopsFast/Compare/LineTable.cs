namespace SysopsFast.Compare;

/// <summary>
/// The lines of one text, as diff sees them: each line keeps its '\n', so a last line without one
/// differs from the same text with one (GNU diff compares them that way too).
/// </summary>
internal sealed class LineTable
{
    /// <summary>Line i is bytes [Starts[i], Starts[i + 1]); one more entry than lines.</summary>
    public int[] Starts { get; }

    /// <summary>False when the text ends without '\n': its last line is then incomplete.</summary>
    public bool EndsWithNewline { get; }

    public int Count => Starts.Length - 1;

    private LineTable(int[] starts, bool endsWithNewline)
    {
        Starts = starts;
        EndsWithNewline = endsWithNewline;
    }

    public static LineTable Split(ReadOnlySpan<byte> text)
    {
        var endsWithNewline = text.IsEmpty || text[^1] == (byte)'\n';
        var count = text.Count((byte)'\n') + (endsWithNewline ? 0 : 1);
        var starts = new int[count + 1];
        var at = 0;
        for (var i = 1; i < count; i++)
        {
            at += text[at..].IndexOf((byte)'\n') + 1;
            starts[i] = at;
        }
        starts[count] = text.Length;
        return new LineTable(starts, endsWithNewline);
    }

    public ReadOnlySpan<byte> Line(ReadOnlySpan<byte> text, int index) => text[Starts[index]..Starts[index + 1]];

    /// <summary>True for the last line of a text that does not end with '\n'.</summary>
    public bool IsIncomplete(int index) => !EndsWithNewline && index == Count - 1;
}
