using System.IO.Hashing;

namespace SysopsFast.DeltaStudy;

/// <summary>
/// A text cut into lines without their '\n': starts and lengths into the text, and whether the last
/// line lacks its '\n' (contents = each line + '\n', minus the last '\n' when <see cref="Unterminated"/>).
/// </summary>
internal sealed class Lines
{
    private Lines(byte[] text, int[] starts, int[] lengths, bool unterminated)
    {
        Text = text;
        Starts = starts;
        Lengths = lengths;
        Unterminated = unterminated;
    }

    public byte[] Text { get; }
    public int[] Starts { get; }
    public int[] Lengths { get; }
    public bool Unterminated { get; }
    public int Count => Starts.Length;

    public ReadOnlySpan<byte> this[int i] => Text.AsSpan(Starts[i], Lengths[i]);

    public static Lines Of(byte[] text)
    {
        var starts = new List<int>();
        var lengths = new List<int>();
        var from = 0;
        while (from < text.Length)
        {
            var end = text.AsSpan(from).IndexOf((byte)'\n');
            var length = end < 0 ? text.Length - from : end;
            starts.Add(from);
            lengths.Add(length);
            from += length + 1;
        }
        return new Lines(text, [.. starts], [.. lengths], text.Length > 0 && text[^1] != (byte)'\n');
    }

    /// <summary>XXH3 of each line: equal hashes are taken as equal lines (the reader's check of the whole catches a collision).</summary>
    public ulong[] Hashes()
    {
        var hashes = new ulong[Count];
        for (var i = 0; i < Count; i++)
        {
            hashes[i] = XxHash3.HashToUInt64(this[i]);
        }
        return hashes;
    }
}
