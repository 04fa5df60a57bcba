using System.Globalization;
using System.Text;

namespace SysopsFast.Grep;

/// <summary>
/// Counts identical lines, like <c>sort | uniq -c | sort -rn</c>. Each worker counts into its own
/// table keyed by the line's bytes (a line seen before costs a lookup, no allocation); the tables are
/// merged once at the end.
/// </summary>
public sealed class UniqCountSink : IGrepSink
{
    private readonly Dictionary<byte[], long> _counts = new(ByteSequenceComparer.Instance);
    private readonly Dictionary<byte[], long>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public UniqCountSink() => _lookup = _counts.GetAlternateLookup<ReadOnlySpan<byte>>();

    internal Dictionary<byte[], long> Counts => _counts;

    public void BeginRecord(ReadOnlySpan<byte> key) { }

    public bool Matched(ReadOnlySpan<byte> line)
    {
        System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_lookup, line, out _)++;
        return true;
    }

    public void EndRecord(long selectedLines) { }

    internal void MergeFrom(UniqCountSink other)
    {
        foreach (var (line, count) in other._counts)
        {
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_counts, line, out _) += count;
        }
    }
}

/// <summary>One line of a <c>--uniq</c> answer.</summary>
public readonly record struct UniqCount(string Line, long Count);

/// <summary>Makes per-worker <see cref="UniqCountSink"/>s and merges them into a sorted table.</summary>
public sealed class UniqCountSinkFactory : IGrepSinkFactory
{
    public IReadOnlyList<UniqCount> Result { get; private set; } = [];

    public IGrepSink CreateForWorker() => new UniqCountSink();

    public void Complete(IReadOnlyList<IGrepSink> workerSinks)
    {
        var total = new UniqCountSink();
        foreach (var s in workerSinks)
        {
            total.MergeFrom((UniqCountSink)s);
        }
        var rows = total.Counts.Select(kv => (Bytes: kv.Key, kv.Value)).ToList();
        // Most frequent first, ties by the line's bytes (what `sort` does with LC_ALL=C).
        rows.Sort((a, b) => a.Value != b.Value ? b.Value.CompareTo(a.Value) : a.Bytes.AsSpan().SequenceCompareTo(b.Bytes));
        Result = rows.Select(r => new UniqCount(Encoding.UTF8.GetString(r.Bytes), r.Value)).ToList();
    }

    /// <summary>Formats like <c>uniq -c</c>: the count right-aligned in at least 7 columns, a space, the line.</summary>
    public static string Format(IReadOnlyList<UniqCount> rows)
    {
        var width = Math.Max(7, rows.Count == 0 ? 0 : rows.Max(r => r.Count).ToString(CultureInfo.InvariantCulture).Length);
        var sb = new StringBuilder();
        foreach (var r in rows)
        {
            sb.Append(r.Count.ToString(CultureInfo.InvariantCulture).PadLeft(width)).Append(' ').Append(r.Line).Append('\n');
        }
        return sb.ToString();
    }
}
