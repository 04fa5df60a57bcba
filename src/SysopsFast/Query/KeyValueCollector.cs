using System.Runtime.InteropServices;
using System.Text;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Pipeline;

namespace SysopsFast.Query;

/// <summary>
/// Counts (key, value) pairs over the records, one table per worker, merged once at the end (as
/// <see cref="UniqCountSink"/> does). Memory grows with the distinct pairs and the hosts sampled,
/// not with the records: a pair seen before costs two lookups by span, no allocation. What the
/// tables hold is bounded by one <see cref="DistinctTableLimit"/> for all of them.
/// </summary>
internal sealed class KeyValueCollector(KeyGlob? glob, int sampleHosts) : IRecordProcessorFactory
{
    private readonly DistinctTableLimit _limit = new("kv");
    private readonly KeyValueBaseCache _bases = new(glob);

    /// <summary>Every key found, drifting keys first, then by key (ordinal).</summary>
    public IReadOnlyList<KeyValueRow> Rows { get; private set; } = [];

    public IRecordProcessor CreateForWorker() => new KeyValueWorker(glob, sampleHosts, _limit, _bases);

    public void Complete(IReadOnlyList<IRecordProcessor> processors)
    {
        var workers = processors.Cast<KeyValueWorker>().ToList();
        var merged = new Dictionary<byte[], KeyTally>(ByteSequenceComparer.Instance);
        foreach (var worker in workers)
        {
            worker.Finish();
            foreach (var (name, tally) in worker.Keys)
            {
                if (merged.TryGetValue(name, out var total))
                {
                    total.MergeFrom(tally);
                }
                else
                {
                    merged[name] = tally;
                }
            }
        }
        if (sampleHosts > 0)
        {
            SampleAbsentFromOtherWorkers(workers, merged.Values);
        }
        var records = workers.Sum(w => w.Records);
        Rows = merged.Values
            .Select(k => (k.Name, Row: k.ToRow(records)))
            .OrderBy(k => k.Row.Drifts ? 0 : 1)
            .ThenBy(k => k.Name, ByteOrder.Instance)
            .Select(k => k.Row)
            .ToList();
    }

    /// <summary>A worker that never met a key: every record it read lacks it.</summary>
    private void SampleAbsentFromOtherWorkers(IReadOnlyList<KeyValueWorker> workers, IEnumerable<KeyTally> keys)
    {
        foreach (var worker in workers)
        {
            IReadOnlyList<string>? hosts = null;
            foreach (var key in keys)
            {
                if (!worker.Keys.ContainsKey(key.Name))
                {
                    hosts ??= worker.FirstHosts(sampleHosts);
                    (key.Absent ??= new HostSample(sampleHosts)).OfferAll(hosts);
                }
            }
        }
    }
}

/// <summary>One worker's table: key → value → count (and sample hosts).</summary>
internal sealed partial class KeyValueWorker : IRecordProcessor
{
    private readonly KeyGlob? _glob;
    private readonly int _sampleHosts;
    private readonly DistinctTableLimit _limit;
    private readonly Dictionary<byte[], KeyTally>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    /// <summary>This record's pairs, one per key: a key repeated in the record overwrites its slot (last wins).</summary>
    private readonly List<(KeyTally Key, ValueTally Value)> _hits = [];

    /// <summary>The host of each record read, in order, kept only when hosts are sampled (for the absent ones).</summary>
    private readonly List<string>? _hosts;

    /// <summary>Where <c>section.key</c> is assembled.</summary>
    private byte[] _scratch = new byte[256];

    /// <param name="glob">The keys wanted; null for every key.</param>
    /// <param name="sampleHosts">Hosts to keep per value; 0 for none.</param>
    /// <param name="limit">What the query's tables may hold, shared by its workers.</param>
    /// <param name="bases">The query's line delta bases as kv reads them; null: line delta records are decoded.</param>
    public KeyValueWorker(KeyGlob? glob, int sampleHosts, DistinctTableLimit limit, KeyValueBaseCache? bases = null)
    {
        _glob = glob;
        _limit = limit;
        _sampleHosts = sampleHosts;
        _bases = bases;
        _lookup = Keys.GetAlternateLookup<ReadOnlySpan<byte>>();
        _hosts = sampleHosts > 0 ? [] : null;
    }

    public Dictionary<byte[], KeyTally> Keys { get; } = new(ByteSequenceComparer.Instance);

    public int Records { get; private set; }

    public bool Process(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content)
    {
        var record = Records++;
        string? host = null;
        if (_hosts is not null)
        {
            host = ObjectKey.Display(ObjectKey.HostOf(key));
            _hosts.Add(host);
        }
        _hits.Clear();
        var reader = new KeyValueReader(content);
        while (reader.Next(out var name, out var value))
        {
            var full = Qualify(reader.Section, name, key);
            if (_glob is null || _glob.IsMatch(full))
            {
                _limit.CheckLength(value.Length, "value", key);
                Hit(full, value, record, key);
            }
        }
        CountHits(host);
        return true;
    }

    /// <summary>Each key the record held counted once, with the last value it had there.</summary>
    private void CountHits(string? host)
    {
        foreach (var (_, v) in _hits)
        {
            v.Count++;
            v.Hosts?.Offer(host!);
        }
    }

    private void Hit(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int record, ReadOnlySpan<byte> recordKey)
    {
        var key = KeyOf(name, recordKey);
        var tally = key.Value(value, _limit, recordKey);
        if (key.LastRecord == record)
        {
            _hits[key.Slot] = (key, tally);
            return;
        }
        SampleAbsent(key, key.LastRecord + 1, record);
        key.LastRecord = record;
        key.Slot = _hits.Count;
        _hits.Add((key, tally));
    }

    /// <summary>The key's tally, made when the key is new.</summary>
    private KeyTally KeyOf(ReadOnlySpan<byte> name, ReadOnlySpan<byte> recordKey)
    {
        if (!_lookup.TryGetValue(name, out var key))
        {
            // Taken before the table grows: a refused entry leaves no empty slot behind.
            _limit.Take(name.Length, recordKey);
            key = new KeyTally(name.ToArray(), _sampleHosts);
            _lookup[name] = key;
        }
        return key;
    }

    /// <summary>The records from <paramref name="from"/> up to <paramref name="to"/> (excluded) lack the key.</summary>
    private void SampleAbsent(KeyTally key, int from, int to)
    {
        if (_hosts is null || from >= to)
        {
            return;
        }
        key.Absent ??= new HostSample(_sampleHosts);
        for (var i = from; i < to; i++)
        {
            key.Absent.Offer(_hosts[i]);
        }
    }

    /// <summary>After the last record: the records after each key's last one lack it.</summary>
    public void Finish()
    {
        CountCopiedPairs();
        foreach (var key in Keys.Values)
        {
            SampleAbsent(key, key.LastRecord + 1, Records);
        }
    }

    /// <summary>The first <paramref name="limit"/> hosts this worker read, ordinal order.</summary>
    public IReadOnlyList<string> FirstHosts(int limit) =>
        (_hosts ?? []).Order(StringComparer.Ordinal).Take(limit).ToList();

    /// <summary><c>section.name</c>; a key longer than is held is refused before it is copied or matched.</summary>
    private ReadOnlySpan<byte> Qualify(ReadOnlySpan<byte> section, ReadOnlySpan<byte> name, ReadOnlySpan<byte> recordKey)
    {
        var length = section.IsEmpty ? name.Length : section.Length + 1 + name.Length;
        _limit.CheckLength(length, "key", recordKey);
        if (section.IsEmpty)
        {
            return name;
        }
        if (_scratch.Length < length)
        {
            _scratch = new byte[Math.Max(length, _scratch.Length * 2)];
        }
        section.CopyTo(_scratch);
        _scratch[section.Length] = (byte)'.';
        name.CopyTo(_scratch.AsSpan(section.Length + 1));
        return _scratch.AsSpan(0, length);
    }
}

/// <summary>One key's values in one worker (then, merged, in the whole answer).</summary>
internal sealed class KeyTally
{
    private readonly int _sampleHosts;
    private readonly Dictionary<byte[], ValueTally> _values = new(ByteSequenceComparer.Instance);
    private readonly Dictionary<byte[], ValueTally>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public KeyTally(byte[] name, int sampleHosts)
    {
        Name = name;
        _sampleHosts = sampleHosts;
        _lookup = _values.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public byte[] Name { get; }

    /// <summary>The last record (worker's ordinal) that held the key, and its slot in that record's hits.</summary>
    public int LastRecord { get; set; } = -1;

    public int Slot { get; set; }

    /// <summary>Sample of the hosts whose record lacks the key; null until one does (or when not sampling).</summary>
    public HostSample? Absent { get; set; }

    /// <summary>The value's tally; a value new to this table takes its share of <paramref name="limit"/>.</summary>
    public ValueTally Value(ReadOnlySpan<byte> value, DistinctTableLimit limit, ReadOnlySpan<byte> recordKey)
    {
        if (!_lookup.TryGetValue(value, out var tally))
        {
            limit.Take(value.Length, recordKey);
            tally = new ValueTally(_sampleHosts);
            _lookup[value] = tally;
        }
        return tally;
    }

    public void MergeFrom(KeyTally other)
    {
        foreach (var (bytes, tally) in other._values)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_values, bytes, out _);
            if (slot is null)
            {
                slot = tally;
                continue;
            }
            slot.Count += tally.Count;
            slot.Hosts?.OfferAll(tally.Hosts!.Hosts);
        }
        if (other.Absent is not null)
        {
            (Absent ??= new HostSample(_sampleHosts)).OfferAll(other.Absent.Hosts);
        }
    }

    /// <summary>The answer's row: values most frequent first (ties by value), the absent records as a value of their own.</summary>
    public KeyValueRow ToRow(long records)
    {
        var values = _values.Where(v => v.Value.Count > 0).Select(v => (Bytes: v.Key, v.Value.Count, Hosts: v.Value.Hosts?.Hosts ?? [])).ToList();
        var held = values.Sum(v => v.Count);
        if (held < records)
        {
            values.Add((null!, records - held, Absent?.Hosts ?? []));
        }
        values.Sort((a, b) => a.Count != b.Count ? b.Count.CompareTo(a.Count)
            : a.Bytes is null ? 1 : b.Bytes is null ? -1 : a.Bytes.AsSpan().SequenceCompareTo(b.Bytes));
        return new KeyValueRow(Encoding.UTF8.GetString(Name),
            values.Select(v => new KeyValueCount(v.Bytes is null ? null : Encoding.UTF8.GetString(v.Bytes), v.Count, v.Hosts)).ToList());
    }
}

/// <summary>How many records hold one value of one key, and a sample of their hosts.</summary>
internal sealed class ValueTally(int sampleHosts)
{
    public long Count { get; set; }

    public HostSample? Hosts { get; } = sampleHosts > 0 ? new HostSample(sampleHosts) : null;
}

/// <summary>Ordinal order of byte strings (what `sort` does with LC_ALL=C).</summary>
internal sealed class ByteOrder : IComparer<byte[]>
{
    public static readonly ByteOrder Instance = new();

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}
