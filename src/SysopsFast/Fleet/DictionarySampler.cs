using SysopsFast.Format;

namespace SysopsFast.Fleet;

/// <summary>
/// Samples for dictionary training taken from a stream of keys, in bounded memory (the first pass
/// of a migration). An object's first key names are only remembered until
/// <see cref="DictionaryTrainer.MinimumHosts"/> hosts hold it (fewer would not get a dictionary, so
/// their contents are never fetched); then those keys and its next ones are picked, up to
/// <see cref="DictionaryTrainer.SamplesPerObject"/> per object. Contents are kept up to
/// <see cref="PerObjectBytes"/> per object and <see cref="TotalBytes"/> in all; once that is
/// reached nothing more is picked, and objects still short of samples are written with LZ4.
/// </summary>
internal sealed class DictionarySampler
{
    /// <summary>zstd wants ~100× the dictionary (64 KiB) in samples: 100 outputs of ~50 KB fit.</summary>
    public const long PerObjectBytes = 8 << 20;

    public const long TotalBytes = 128 << 20;

    private sealed class Picking
    {
        public List<string>? Held = [];
        public int Picked;
    }

    // Touched by the one stage that lists keys.
    private readonly Dictionary<string, Picking> _picking = new(StringComparer.Ordinal);

    // Filled by the decode workers.
    private readonly Dictionary<string, (List<byte[]> Samples, long Bytes)> _samples = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _bytes;
    private volatile bool _full;

    /// <summary>The keys to fetch now that <paramref name="key"/> has been listed (none, it, or the ones held back with it).</summary>
    public IReadOnlyList<string> Pick(string key)
    {
        if (_full)
        {
            return [];
        }
        var objectName = ObjectKey.Split(key).Object;
        if (!_picking.TryGetValue(objectName, out var p))
        {
            _picking[objectName] = p = new Picking();
        }
        if (p.Held is { } held)
        {
            held.Add(key);
            if (held.Count < DictionaryTrainer.MinimumHosts)
            {
                return [];
            }
            p.Held = null;
            p.Picked = held.Count;
            return held;
        }
        if (p.Picked >= DictionaryTrainer.SamplesPerObject)
        {
            return [];
        }
        p.Picked++;
        return [key];
    }

    /// <summary>Keeps a copy of the contents of a picked key, within the caps.</summary>
    public void Add(string key, ReadOnlySpan<byte> contents)
    {
        // Records over the size cap are stored without payload: nothing to compress.
        if (contents.IsEmpty || contents.Length > RecordEncoder.DefaultSizeCap)
        {
            return;
        }
        var objectName = ObjectKey.Split(key).Object;
        lock (_lock)
        {
            var (samples, bytes) = _samples.TryGetValue(objectName, out var s) ? s : ([], 0);
            if (_bytes + contents.Length > TotalBytes)
            {
                _full = true;
                return;
            }
            if (bytes + contents.Length > PerObjectBytes)
            {
                return;
            }
            samples.Add(contents.ToArray());
            _samples[objectName] = (samples, bytes + contents.Length);
            _bytes += contents.Length;
        }
    }

    /// <summary>One dictionary per object with samples from enough hosts.</summary>
    public Dictionary<string, CompressionDictionary> Train() =>
        DictionaryTrainer.Train(_samples.SelectMany(o => o.Value.Samples.Select(b => (o.Key, (Func<byte[]?>)(() => b)))));
}
