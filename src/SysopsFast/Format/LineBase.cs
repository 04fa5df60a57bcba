namespace SysopsFast.Format;

/// <summary>
/// The base version of one object that line delta records (<see cref="PayloadCodec.LineDelta"/>)
/// are written against: a real host's whole contents, cut into lines on <c>0x0A</c>. Named by
/// <see cref="Id"/>, a hash of the contents, which its records carry in the header's dictionary id
/// field; stored under <c>#base:&lt;id as 8 hex digits&gt;</c> (docs/FORMAT.md). Immutable, so one
/// instance serves every thread.
/// </summary>
internal sealed class LineBase
{
    private byte[]? _record;

    // Hashed when first asked (−1: not yet): a version chain's base of the moment never needs it.
    private long _id = -1;

    /// <summary>The largest base a writer stores or a reader loads (raw contents).</summary>
    public const int MaxRawLength = 1 << 20;

    /// <summary>The largest value a base is stored as: a record of its contents, codec none at the most.</summary>
    public const int MaxStoredLength = RecordHeader.Size + MaxRawLength;

    /// <summary>Where each line starts, and one more: where a line after the last would start.</summary>
    private readonly int[] _starts;

    /// <summary>A base of <paramref name="contents"/> (at most <see cref="MaxRawLength"/> bytes), its id their hash.</summary>
    public LineBase(byte[] contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(contents.Length, MaxRawLength);
        Contents = contents;
        _starts = LineStarts(contents);
    }

    /// <summary>The id records name it by: <c>max(1, low 32 bits of XXH3-64)</c> of the contents, as a dictionary's.</summary>
    public uint Id
    {
        get
        {
            var id = Volatile.Read(ref _id);
            if (id < 0)
            {
                id = IdOf(Contents);
                Volatile.Write(ref _id, id);
            }
            return (uint)id;
        }
    }

    /// <summary>The whole contents.</summary>
    public byte[] Contents { get; }

    /// <summary>Lines: every <c>\n</c> ends one, and bytes after the last <c>\n</c> are one more.</summary>
    public int LineCount => _starts.Length - 1;

    /// <summary>Whether the last line has no <c>\n</c>.</summary>
    public bool Unterminated => Contents.Length > 0 && Contents[^1] != (byte)'\n';

    /// <summary>Where line <paramref name="index"/> starts in <see cref="Contents"/>.</summary>
    public int LineStart(int index) => _starts[index];

    /// <summary>Where each line starts, and one more (<see cref="LineStarts"/>): what a <see cref="LineDeltaReader"/> checks ops against.</summary>
    public ReadOnlySpan<int> Starts => _starts;

    /// <summary>Bytes of line <paramref name="index"/>, its <c>\n</c> not counted.</summary>
    public int LineLength(int index) => _starts[index + 1] - _starts[index] - 1;

    /// <summary>Line <paramref name="index"/> without its <c>\n</c>.</summary>
    public ReadOnlySpan<byte> Line(int index) => LineOf(Contents, _starts, index);

    /// <summary>
    /// Lines <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> − 1 as they
    /// lie in the contents, each with its <c>\n</c> (the last line's missing one excepted).
    /// </summary>
    public ReadOnlySpan<byte> Lines(int first, int count)
    {
        var end = Math.Min(_starts[first + count], Contents.Length);
        return Contents.AsSpan(_starts[first], end - _starts[first]);
    }

    /// <summary>
    /// The value stored under <c>#base:&lt;id&gt;</c>: a record of the contents, LZ4 (codec none where
    /// that is smaller), inserted at 0 so that every writer stores the same bytes.
    /// </summary>
    public byte[] ToRecord() => _record ??= BuildRecord(); // immutable: a race only builds it twice

    private byte[] BuildRecord()
    {
        var lz4 = RecordEncoder.Encode(Contents, FileStat.None, 0, PayloadCodec.Lz4);
        return lz4.Length <= RecordHeader.Size + Contents.Length ? lz4 : RecordEncoder.Encode(Contents, FileStat.None, 0, PayloadCodec.None);
    }

    /// <summary>The id of a base of <paramref name="contents"/>.</summary>
    public static uint IdOf(ReadOnlySpan<byte> contents) => CompressionDictionary.IdOf(contents);

    /// <summary>Line <paramref name="index"/> of <paramref name="text"/>, cut at <paramref name="starts"/> (<see cref="LineStarts"/>).</summary>
    public static ReadOnlySpan<byte> LineOf(ReadOnlySpan<byte> text, int[] starts, int index) =>
        text.Slice(starts[index], starts[index + 1] - starts[index] - 1);

    /// <summary>
    /// Where each line of <paramref name="text"/> starts, and after them where the next would: the
    /// length + 1 when the last line has no <c>\n</c>, so that every line's length is the gap − 1.
    /// </summary>
    public static int[] LineStarts(ReadOnlySpan<byte> text)
    {
        var lines = LineCountOf(text);
        var starts = new int[lines + 1];
        FillLineStarts(text, starts, lines);
        return starts;
    }

    /// <summary>Lines of <paramref name="text"/>: every <c>\n</c> ends one, and bytes after the last <c>\n</c> are one more.</summary>
    public static int LineCountOf(ReadOnlySpan<byte> text) =>
        text.Count((byte)'\n') + (text.Length > 0 && text[^1] != (byte)'\n' ? 1 : 0);

    /// <summary>
    /// <see cref="LineStarts"/> into <paramref name="starts"/> (a pooled buffer, at least
    /// <paramref name="lines"/> + 1 long), <paramref name="lines"/> being <see cref="LineCountOf"/>.
    /// </summary>
    public static void FillLineStarts(ReadOnlySpan<byte> text, Span<int> starts, int lines)
    {
        starts[0] = 0;
        var at = 0;
        for (var i = 1; i <= lines; i++)
        {
            var end = text[at..].IndexOf((byte)'\n');
            at += (end < 0 ? text.Length - at : end) + 1;
            starts[i] = at;
        }
    }
}
