using SysopsFast.Format;

namespace SysopsFast.Fleet;

/// <summary>
/// Trains one compression dictionary per object name for <see cref="PayloadCodec.ZstdDictionary"/>
/// writers (fleet generate, import) from the contents of the first hosts that hold it.
/// </summary>
internal static class DictionaryTrainer
{
    /// <summary>Samples per object: enough for zstd's trainer, cheap to read.</summary>
    public const int SamplesPerObject = 100;

    /// <summary>
    /// An object held by fewer hosts gets no dictionary (its records use LZ4): a dictionary costs
    /// every query that loads it up to 64 KiB, which only pays off when many records share it.
    /// </summary>
    public const int MinimumHosts = 8;

    /// <summary>
    /// The codec and dictionary of one object's records: under <see cref="PayloadCodec.ZstdDictionary"/>,
    /// an object that got no dictionary (held by fewer than <see cref="MinimumHosts"/> hosts) is written with LZ4.
    /// </summary>
    /// Under <see cref="PayloadCodec.LineDelta"/>, the same: the record a delta is weighed against.
    public static (PayloadCodec Codec, CompressionDictionary? Dictionary) CodecFor(PayloadCodec codec, IReadOnlyDictionary<string, CompressionDictionary>? dictionaries, string objectName) =>
        codec is not (PayloadCodec.ZstdDictionary or PayloadCodec.LineDelta) ? (codec, null)
        : dictionaries?.GetValueOrDefault(objectName) is { } dictionary ? (PayloadCodec.ZstdDictionary, dictionary)
        : (PayloadCodec.Lz4, null);

    /// <param name="samples">Per object name, readers of its contents on distinct hosts, in any order.</param>
    public static Dictionary<string, CompressionDictionary> Train(IEnumerable<(string Object, Func<byte[]?> Read)> samples) =>
        TrainWithBases(samples, bases: false).Dictionaries;

    /// <summary>
    /// <see cref="Train"/>, and with <paramref name="bases"/> (codec <see cref="PayloadCodec.LineDelta"/>)
    /// a line delta base per object from the same samples where it pays (<see cref="LineBaseTrainer"/>).
    /// </summary>
    public static (Dictionary<string, CompressionDictionary> Dictionaries, Dictionary<string, LineDeltaEncoder> Bases) TrainWithBases(IEnumerable<(string Object, Func<byte[]?> Read)> samples, bool bases)
    {
        var byObject = new Dictionary<string, List<Func<byte[]?>>>(StringComparer.Ordinal);
        foreach (var (name, read) in samples)
        {
            if (!byObject.TryGetValue(name, out var list))
            {
                byObject[name] = list = [];
            }
            if (list.Count < SamplesPerObject)
            {
                list.Add(read);
            }
        }
        var trained = byObject
            .Where(o => o.Value.Count >= MinimumHosts)
            .AsParallel()
            .Select(o => (o.Key, Samples: o.Value.Select(r => r()).OfType<byte[]>().Where(b => b.Length > 0).ToArray()))
            .Where(o => o.Samples.Length >= MinimumHosts)
            .Select(o =>
            {
                var dictionary = CompressionDictionary.Train(o.Samples);
                var lineBase = bases ? LineBaseTrainer.For(o.Samples, s => RecordEncoder.Encode(s, FileStat.None, 0, PayloadCodec.ZstdDictionary, dictionary: dictionary)) : null;
                return (o.Key, Dictionary: dictionary, Base: lineBase);
            })
            .ToList();
        return (trained.ToDictionary(t => t.Key, t => t.Dictionary, StringComparer.Ordinal),
            trained.Where(t => t.Base is not null).ToDictionary(t => t.Key, t => t.Base!, StringComparer.Ordinal));
    }
}
