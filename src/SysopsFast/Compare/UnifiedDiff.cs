using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace SysopsFast.Compare;

/// <summary>
/// The text that <c>diff -u --label LEFT --label RIGHT</c> (GNU diffutils) prints for two files:
/// lines are compared as bytes, hunks carry <c>context</c> lines of context, and two changes at most
/// 2 × context lines apart share a hunk. A test holds the output byte for byte against GNU diff.
/// </summary>
public static class UnifiedDiff
{
    private const int FlushAt = 64 * 1024;

    /// <summary>
    /// The diff as a string, or null when the two texts are the same bytes. A side that holds a NUL
    /// byte anywhere makes it binary (GNU looks at the first buffer it reads only): then the diff is
    /// GNU's one line "Binary files L and R differ".
    /// Each output line is decoded as UTF-8 when it is valid UTF-8, else as Latin-1 (one char per
    /// byte), so no byte turns into U+FFFD; <see cref="WriteTo"/> gives the exact bytes.
    /// </summary>
    public static string? Create(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, string leftLabel, string rightLabel, int context = 3, DiffSearch search = default)
    {
        var buffer = new ArrayBufferWriter<byte>();
        return Write(buffer, null, left, right, leftLabel, rightLabel, context, search) ? Decode(buffer.WrittenSpan) : null;
    }

    /// <summary>
    /// Writes the diff's exact bytes (labels in UTF-8) to <paramref name="output"/>; writes nothing
    /// and returns false when the two texts are the same bytes.
    /// </summary>
    public static bool WriteTo(Stream output, ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, string leftLabel, string rightLabel, int context = 3, DiffSearch search = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var buffer = new ArrayBufferWriter<byte>(FlushAt);
        var differ = Write(buffer, output, left, right, leftLabel, rightLabel, context, search);
        output.Write(buffer.WrittenSpan);
        return differ;
    }

    private static bool Write(ArrayBufferWriter<byte> buffer, Stream? output, ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, string leftLabel, string rightLabel, int context, DiffSearch search)
    {
        ArgumentNullException.ThrowIfNull(leftLabel);
        ArgumentNullException.ThrowIfNull(rightLabel);
        ArgumentOutOfRangeException.ThrowIfNegative(context);
        if (left.SequenceEqual(right))
        {
            return false;
        }
        var writer = new HunkWriter(output is null ? buffer : new FlushingWriter(buffer, output));
        if (left.Contains((byte)0) || right.Contains((byte)0))
        {
            writer.Binary(leftLabel, rightLabel);
            return true;
        }

        var leftLines = LineTable.Split(left);
        var rightLines = LineTable.Split(right);
        // More context than lines changes nothing, and the clamp keeps the sums below from overflowing.
        context = Math.Min(context, Math.Max(leftLines.Count, rightLines.Count));
        var (leftIds, rightIds) = LineClasses.Assign(left, leftLines, right, rightLines);
        var (leftChanged, rightChanged) = ChangeFinder.Find(leftIds, rightIds, leftIds.Length + rightIds.Length, horizon: context, search.Minimal, search.CancellationToken);

        writer.Header(leftLabel, rightLabel);
        writer.Hunks(new Side(left, leftLines), new Side(right, rightLines), leftChanged, rightChanged, context);
        return true;
    }

    /// <summary>UTF-8 line by line; a line that is not valid UTF-8 is read as Latin-1.</summary>
    private static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
        {
            return Encoding.UTF8.GetString(bytes);
        }
        var text = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            var end = bytes.IndexOf((byte)'\n') + 1;
            var line = end == 0 ? bytes : bytes[..end];
            text.Append(Utf8.IsValid(line) ? Encoding.UTF8.GetString(line) : Encoding.Latin1.GetString(line));
            bytes = bytes[line.Length..];
        }
        return text.ToString();
    }

    /// <summary>Hands the buffered bytes to the stream every 64 KiB, so a long diff is not held whole.</summary>
    private sealed class FlushingWriter(ArrayBufferWriter<byte> buffer, Stream output) : IBufferWriter<byte>
    {
        public void Advance(int count)
        {
            buffer.Advance(count);
            if (buffer.WrittenCount >= FlushAt)
            {
                output.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => buffer.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => buffer.GetSpan(sizeHint);
    }
}

/// <summary>
/// How hard the diff searches: past a cost bound (GNU diff's) a long diff gives up being the
/// shortest and stays correct; <see cref="Minimal"/> insists on the shortest (GNU's <c>--minimal</c>),
/// which on large texts with many changes can take hours: the token stops it.
/// </summary>
public readonly record struct DiffSearch(bool Minimal, CancellationToken CancellationToken);
