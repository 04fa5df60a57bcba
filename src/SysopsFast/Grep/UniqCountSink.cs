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
    private readonly DistinctTableLimit? _limit;
    private readonly RecordKeyBuffer _record = new();

    /// <summary>A table of its own, with no limit on its size (one the query's workers share is internal).</summary>
    public UniqCountSink()
        : this(null)
    {
    }

    /// <param name="limit">Shared by the query's workers; null for a table that only merges.</param>
    internal UniqCountSink(DistinctTableLimit? limit)
    {
        _lookup = _counts.GetAlternateLookup<ReadOnlySpan<byte>>();
        _limit = limit;
    }

    internal Dictionary<byte[], long> Counts => _counts;

    /// <inheritdoc/>
    public void BeginRecord(ReadOnlySpan<byte> key) => _record.Set(key);

    /// <inheritdoc/>
    public bool Matched(ReadOnlySpan<byte> line)
    {
        Add(line, 1);
        return true;
    }

    /// <summary>
    /// <paramref name="line"/> selected <paramref name="count"/> times (a line delta base's line, once
    /// per record that copied it); a limit met names the last record begun.
    /// </summary>
    internal void Add(ReadOnlySpan<byte> line, long count)
    {
        _limit?.CheckLength(line.Length, "line", _record.Key);
        ref var total = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_lookup, line, out var seen);
        if (!seen)
        {
            _limit?.Take(line.Length, _record.Key);
        }
        total += count;
    }

    /// <inheritdoc/>
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
public readonly record struct UniqCount
{
    private readonly string? _line;
    private readonly byte[]? _bytes;

    /// <summary><paramref name="line"/> seen <paramref name="count"/> times.</summary>
    public UniqCount(string line, long count)
    {
        _line = line;
        Count = count;
    }

    /// <summary>
    /// A line as the snapshots hold it: kept as bytes, since a line may be 100 MB (its text would
    /// be twice that) and may not be UTF-8 (printed to a pipe unchanged).
    /// </summary>
    internal UniqCount(byte[] lineBytes, long count)
    {
        _bytes = lineBytes;
        Count = count;
    }

    /// <summary>The line as text (invalid UTF-8 as U+FFFD), decoded when asked for.</summary>
    public string Line => _line ?? (_bytes is null ? "" : Encoding.UTF8.GetString(_bytes));

    /// <summary>The line's bytes as the snapshots hold them.</summary>
    public ReadOnlySpan<byte> LineBytes => _bytes ?? (_line is null ? [] : Encoding.UTF8.GetBytes(_line));

    /// <summary>Selected lines equal to this one, over the fleet.</summary>
    public long Count { get; init; }

    /// <summary>Sample hosts that have the line (<c>--show-hosts</c>), in the order met; null when none were asked for.</summary>
    public IReadOnlyList<string>? Hosts { get; init; }

    /// <summary>Equal when the count, the line's bytes and the sampled hosts are.</summary>
    public bool Equals(UniqCount other) =>
        Count == other.Count && LineBytes.SequenceEqual(other.LineBytes) && EqualityComparer<IReadOnlyList<string>?>.Default.Equals(Hosts, other.Hosts);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Count, Hosts, (int)System.IO.Hashing.XxHash3.HashToUInt64(LineBytes));

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Line = ").Append(Line).Append(", Count = ").Append(Count);
        return true;
    }
}

/// <summary>
/// Makes per-worker <see cref="UniqCountSink"/>s and merges them into a sorted table. With
/// <paramref name="sampleHosts"/> above 0, each line also keeps up to that many hosts that have it
/// (<see cref="int.MaxValue"/> for all), in a sink of its own so the plain count stays as fast.
/// </summary>
public sealed class UniqCountSinkFactory(int sampleHosts = 0) : IGrepSinkFactory
{
    private readonly DistinctTableLimit _limit = new("counting identical lines");

    /// <summary>The merged table, most frequent first; empty until <see cref="Complete"/>.</summary>
    public IReadOnlyList<UniqCount> Result { get; private set; } = [];

    /// <summary>Lines are counted, never shown with their neighbours.</summary>
    public bool TakesContext => false;

    /// <inheritdoc/>
    public IGrepSink CreateForWorker() => sampleHosts > 0 ? new UniqSampleSink(sampleHosts, _limit) : new UniqCountSink(_limit);

    /// <inheritdoc/>
    public void Complete(IReadOnlyList<IGrepSink> workerSinks)
    {
        if (sampleHosts > 0)
        {
            Result = UniqSampleSink.Merge(workerSinks.Cast<UniqSampleSink>(), sampleHosts);
            return;
        }
        var total = new UniqCountSink();
        foreach (var s in workerSinks)
        {
            total.MergeFrom((UniqCountSink)s);
        }
        var rows = total.Counts.Select(kv => (Bytes: kv.Key, kv.Value)).ToList();
        rows.Sort(ByCountThenBytes);
        Result = rows.Select(r => new UniqCount(r.Bytes, r.Value)).ToList();
    }

    /// <summary>Most frequent first, ties by the line's bytes (what `sort` does with LC_ALL=C).</summary>
    internal static int ByCountThenBytes((byte[] Bytes, long Value) a, (byte[] Bytes, long Value) b) =>
        a.Value != b.Value ? b.Value.CompareTo(a.Value) : a.Bytes.AsSpan().SequenceCompareTo(b.Bytes);
}
