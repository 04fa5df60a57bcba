using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Query;

/// <summary>
/// kv over line delta records read from their ops: a host's copied base lines count as a +1/−1 pair
/// per copied range in a difference array over its base's lines (summed into the table once, at the
/// end), and only its inserted and edited lines are parsed, as in a decoded record. A key the host
/// holds twice (a literal line and a copied base line) counts once, with the later line's value.
/// </summary>
internal sealed partial class KeyValueWorker : ILineDeltaProcessor
{
    private readonly KeyValueBaseCache? _bases;
    private readonly Dictionary<KeyValueBase, long[]> _differences = new(ReferenceEqualityComparer.Instance);
    private readonly Grep.RecordKeyBuffer _lastKey = new();
    private KeyValueBase? _lastBase;

    /// <summary>This record's copied base line ranges, in order.</summary>
    private readonly List<(int From, int To)> _copies = [];

    private readonly LiteralLines _literals = new();

    /// <summary>Sampled hosts need every record's host in order: those queries decode.</summary>
    public bool ReadsLineDeltas => _bases is not null && _sampleHosts == 0;

    public LineDeltaOutcome Process(ReadOnlySpan<byte> key, in RecordHeader header, in LineDeltaRecord record)
    {
        var pairs = _lastBase is { } last && ReferenceEquals(last.Base, record.Base) ? last : _lastBase = _bases!.For(record.Base);
        // A section among the host's own lines changes the keys after it: decoded, before anything is counted.
        if (!pairs.Simple || !TryFindCopies(record))
        {
            return LineDeltaOutcome.Decode;
        }
        var number = Records++;
        _lastKey.Set(key);
        _hits.Clear();
        var difference = DifferenceOf(pairs);
        var reader = LiteralLines.Open(record);
        while (reader.TryNext(out var op, out var count))
        {
            for (var k = 0; op is LineDeltaOp.Insert or LineDeltaOp.Edit && k < count; k++)
            {
                var at = reader.BaseLine;
                Literal(_literals.Next(ref reader, op, record.Base), at, pairs, difference, number, key);
            }
        }
        foreach (var (from, to) in _copies)
        {
            difference[from]++;
            difference[to]--;
        }
        CountHits(null);
        return LineDeltaOutcome.Continue;
    }

    /// <summary>
    /// One inserted or edited line, standing before base line <paramref name="at"/>: a wanted pair is
    /// counted unless a copied base line with its key comes after it, and uncounts one that came before.
    /// </summary>
    private void Literal(ReadOnlySpan<byte> line, int at, KeyValueBase pairs, long[] difference, int record, ReadOnlySpan<byte> recordKey)
    {
        if (KeyValueParser.ParseLine(line, out var name, out var value) != KeyValueLineKind.Pair)
        {
            return;
        }
        var full = Qualify(default, name, recordKey);
        if (_glob is not null && !_glob.IsMatch(full))
        {
            return;
        }
        _limit.CheckLength(value.Length, "value", recordKey);
        var twin = pairs.LineOf(full);
        if (twin >= 0 && IsCopied(twin))
        {
            if (twin >= at)
            {
                return;
            }
            // The first literal after its twin: the twin no longer counts for this record.
            if (!(_lookup.TryGetValue(full, out var seen) && seen.LastRecord == record))
            {
                difference[twin]--;
                difference[twin + 1]++;
            }
        }
        Hit(full, value, record, recordKey);
    }

    /// <summary>The copied ranges of the record, or false when one of its own lines is an ini section.</summary>
    private bool TryFindCopies(in LineDeltaRecord record)
    {
        _copies.Clear();
        var reader = LiteralLines.Open(record);
        while (reader.TryNext(out var op, out var count))
        {
            if (op == LineDeltaOp.Copy)
            {
                _copies.Add((reader.BaseLine - count, reader.BaseLine));
                continue;
            }
            for (var k = 0; op is LineDeltaOp.Insert or LineDeltaOp.Edit && k < count; k++)
            {
                if (KeyValueParser.ParseLine(_literals.Next(ref reader, op, record.Base), out _, out _) == KeyValueLineKind.Section)
                {
                    return false;
                }
            }
        }
        return true;
    }

    private bool IsCopied(int line)
    {
        int low = 0, high = _copies.Count - 1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            var (from, to) = _copies[middle];
            if (line < from)
            {
                high = middle - 1;
            }
            else if (line >= to)
            {
                low = middle + 1;
            }
            else
            {
                return true;
            }
        }
        return false;
    }

    private long[] DifferenceOf(KeyValueBase pairs)
    {
        if (!_differences.TryGetValue(pairs, out var difference))
        {
            _differences.Add(pairs, difference = new long[pairs.Base.LineCount + 1]);
        }
        return difference;
    }

    /// <summary>Each wanted base line counted once per record that copied it (and did not hold its key again later).</summary>
    private void CountCopiedPairs()
    {
        foreach (var (pairs, difference) in _differences)
        {
            long running = 0;
            for (var line = 0; line < pairs.Base.LineCount; line++)
            {
                running += difference[line];
                if (running > 0 && pairs.Wanted[line])
                {
                    pairs.Pair(line, out var name, out var value);
                    KeyOf(name, _lastKey.Key).Value(value, _limit, _lastKey.Key).Count += running;
                }
            }
        }
        _differences.Clear();
    }
}
