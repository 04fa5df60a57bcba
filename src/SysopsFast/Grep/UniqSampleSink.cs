using System.Runtime.InteropServices;
using System.Text;

namespace SysopsFast.Grep;

/// <summary>
/// <c>--uniq --show-hosts N</c>: counts identical lines as <see cref="UniqCountSink"/> does and keeps,
/// per line, the first N hosts met that have it. A host's name is decoded once per record, only
/// when one of its lines still needs samples.
/// </summary>
internal sealed class UniqSampleSink : IGrepSink
{
    private readonly int _samples;
    private readonly Dictionary<byte[], Row>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly DistinctTableLimit _limit;

    public UniqSampleSink(int samples, DistinctTableLimit limit)
    {
        _samples = samples;
        _limit = limit;
        _lookup = _rows.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    private sealed class Row
    {
        public long Count;
        public List<string> Hosts = [];
    }

    private readonly Dictionary<byte[], Row> _rows = new(ByteSequenceComparer.Instance);
    private readonly RecordKeyBuffer _record = new();
    private string? _host;

    public void BeginRecord(ReadOnlySpan<byte> key)
    {
        _record.Set(key);
        _host = null;
    }

    public bool Matched(ReadOnlySpan<byte> line)
    {
        _limit.CheckLength(line.Length, "line", _record.Key);
        if (!_lookup.TryGetValue(line, out var row))
        {
            // Taken before the table grows: a refused line leaves no empty row behind.
            _limit.Take(line.Length, _record.Key);
            row = new Row();
            _lookup[line] = row;
        }
        row.Count++;
        if (row.Hosts.Count < _samples)
        {
            _host ??= Encoding.UTF8.GetString(ObjectKey.HostOf(_record.Key));
            // A line twice in one record is one host.
            if (row.Hosts.Count == 0 || !ReferenceEquals(row.Hosts[^1], _host))
            {
                row.Hosts.Add(_host);
            }
        }
        return true;
    }

    public void EndRecord(long selectedLines) { }

    /// <summary>The workers' tables added up, most frequent first; each line's samples in worker order, at most <paramref name="samples"/>.</summary>
    public static IReadOnlyList<UniqCount> Merge(IEnumerable<UniqSampleSink> sinks, int samples)
    {
        var total = new Dictionary<byte[], Row>(ByteSequenceComparer.Instance);
        foreach (var sink in sinks)
        {
            foreach (var (line, row) in sink._rows)
            {
                ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(total, line, out _);
                sum ??= new Row();
                sum.Count += row.Count;
                sum.Hosts.AddRange(row.Hosts.Take(samples - sum.Hosts.Count));
            }
        }
        var rows = total.Select(kv => (Bytes: kv.Key, Value: kv.Value.Count, kv.Value.Hosts)).ToList();
        rows.Sort((a, b) => UniqCountSinkFactory.ByCountThenBytes((a.Bytes, a.Value), (b.Bytes, b.Value)));
        return rows.Select(r => new UniqCount(r.Bytes, r.Value) { Hosts = r.Hosts }).ToList();
    }
}
