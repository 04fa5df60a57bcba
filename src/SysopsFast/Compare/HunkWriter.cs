using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text;

namespace SysopsFast.Compare;

/// <summary>Prints marked changes the way <c>diff -u</c> does: header, then hunks with context.</summary>
internal sealed class HunkWriter(IBufferWriter<byte> output)
{
    private static ReadOnlySpan<byte> NoNewline => "\n\\ No newline at end of file\n"u8;

    /// <summary>A run of changes: at <c>Left</c> <c>Deleted</c> lines become the <c>Inserted</c> lines at <c>Right</c>.</summary>
    private readonly record struct Change(int Left, int Right, int Deleted, int Inserted)
    {
        public int LeftEnd => Left + Deleted;

        public int RightEnd => Right + Inserted;
    }

    /// <summary>GNU's line for two files of which one holds a NUL byte.</summary>
    public void Binary(string leftLabel, string rightLabel)
    {
        Text("Binary files ");
        Text(leftLabel);
        Text(" and ");
        Text(rightLabel);
        Text(" differ\n");
    }

    public void Header(string leftLabel, string rightLabel)
    {
        Text("--- ");
        Text(leftLabel);
        Text("\n+++ ");
        Text(rightLabel);
        Text("\n");
    }

    public void Hunks(Side left, Side right, bool[] leftChanged, bool[] rightChanged, int context)
    {
        var changes = Changes(leftChanged, rightChanged);
        for (var first = 0; first < changes.Count;)
        {
            // GNU joins two changes into one hunk when at most 2 * context lines lie between them.
            var last = first;
            while (last + 1 < changes.Count && changes[last + 1].Left - changes[last].LeftEnd <= 2L * context)
            {
                last++;
            }
            Hunk(left, right, CollectionsMarshal.AsSpan(changes)[first..(last + 1)], context);
            first = last + 1;
        }
    }

    private static List<Change> Changes(bool[] leftChanged, bool[] rightChanged)
    {
        var changes = new List<Change>();
        int i = 0, j = 0;
        while (i < leftChanged.Length || j < rightChanged.Length)
        {
            if (i < leftChanged.Length && j < rightChanged.Length && !leftChanged[i] && !rightChanged[j])
            {
                i++;
                j++;
                continue;
            }
            int left = i, right = j;
            while (i < leftChanged.Length && leftChanged[i])
            {
                i++;
            }
            while (j < rightChanged.Length && rightChanged[j])
            {
                j++;
            }
            changes.Add(new Change(left, right, i - left, j - right));
        }
        return changes;
    }

    private void Hunk(Side left, Side right, ReadOnlySpan<Change> changes, int context)
    {
        var leftFirst = Math.Max(0, changes[0].Left - context);
        var rightFirst = Math.Max(0, changes[0].Right - context);
        var leftEnd = Math.Min(left.Lines.Count, changes[^1].LeftEnd + context);
        var rightEnd = Math.Min(right.Lines.Count, changes[^1].RightEnd + context);

        Text("@@ -");
        Range(leftFirst, leftEnd);
        Text(" +");
        Range(rightFirst, rightEnd);
        Text(" @@\n");

        var at = leftFirst;
        foreach (var change in changes)
        {
            Lines(left, at, change.Left, (byte)' ');
            Lines(left, change.Left, change.LeftEnd, (byte)'-');
            Lines(right, change.Right, change.RightEnd, (byte)'+');
            at = change.LeftEnd;
        }
        Lines(left, at, leftEnd, (byte)' ');
    }

    /// <summary>
    /// GNU's range: "start,count", the count left out when it is 1; an empty range names the line
    /// before it ("0,0" at the top), which is what patch expects.
    /// </summary>
    private void Range(int first, int end)
    {
        var count = end - first;
        Number(count == 0 ? first : first + 1);
        if (count != 1)
        {
            Text(",");
            Number(count);
        }
    }

    private void Lines(Side side, int from, int to, byte mark)
    {
        for (var i = from; i < to; i++)
        {
            output.GetSpan(1)[0] = mark;
            output.Advance(1);
            Bytes(side.Lines.Line(side.Text, i));
            if (side.Lines.IsIncomplete(i))
            {
                Bytes(NoNewline);
            }
        }
    }

    /// <summary>A piece at a time: a 120 MB line costs no 120 MB buffer (the output may drop what it cannot hold).</summary>
    private void Bytes(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var piece = bytes[..Math.Min(bytes.Length, PieceBytes)];
            piece.CopyTo(output.GetSpan(piece.Length));
            output.Advance(piece.Length);
            bytes = bytes[piece.Length..];
        }
    }

    private const int PieceBytes = 64 * 1024;

    private void Number(int value)
    {
        var span = output.GetSpan(11);
        Utf8Formatter.TryFormat(value, span, out var written);
        output.Advance(written);
    }

    private void Text(string text)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }
}

/// <summary>One text and its lines; a ref struct because the text is a span.</summary>
internal readonly ref struct Side(ReadOnlySpan<byte> text, LineTable lines)
{
    public ReadOnlySpan<byte> Text { get; } = text;

    public LineTable Lines { get; } = lines;
}
