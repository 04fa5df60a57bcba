using System.Text;
using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Fleet;

/// <summary>
/// The first pass of `dict train` (keys only, nothing fetched): per object name, how many keys
/// (hosts) hold it and the first <see cref="DictionaryTrainer.SamplesPerObject"/> of them, the keys
/// whose records are sampled. Memory holds those keys, not the fleet's.
/// </summary>
internal sealed class SampleKeyPicker : IRecordProcessorFactory, IRecordProcessor
{
    private readonly Dictionary<string, (int Hosts, List<byte[]> Keys)> _objects = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Per object name: its hosts, and the keys picked (one per host: a key names one host's object).</summary>
    public IReadOnlyDictionary<string, (int Hosts, List<byte[]> Keys)> Objects => _objects;

    // Workers share this one instance: keys are few bytes each and the lock is held for a lookup.
    public IRecordProcessor CreateForWorker() => this;

    public void Complete(IReadOnlyList<IRecordProcessor> processors)
    {
    }

    public bool Process(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content)
    {
        var at = key.IndexOf((byte)ObjectKey.Separator);
        var name = Encoding.UTF8.GetString(key[(at + 1)..]);
        lock (_lock)
        {
            var (hosts, keys) = _objects.TryGetValue(name, out var known) ? known : (0, []);
            if (keys.Count < DictionaryTrainer.SamplesPerObject)
            {
                keys.Add(key.ToArray());
            }
            _objects[name] = (hosts + 1, keys);
        }
        return true;
    }
}
