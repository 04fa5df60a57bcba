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
    public static (PayloadCodec Codec, CompressionDictionary? Dictionary) CodecFor(PayloadCodec codec, IReadOnlyDictionary<string, CompressionDictionary>? dictionaries, string objectName) =>
        dictionaries?.GetValueOrDefault(objectName) is { } dictionary ? (codec, (CompressionDictionary?)dictionary)
        : (codec == PayloadCodec.ZstdDictionary ? PayloadCodec.Lz4 : codec, null);

    /// <param name="samples">Per object name, readers of its contents on distinct hosts, in any order.</param>
    public static Dictionary<string, CompressionDictionary> Train(IEnumerable<(string Object, Func<byte[]?> Read)> samples)
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
            .Select(o => (o.Key, Dictionary: CompressionDictionary.Train(o.Samples)))
            .ToList();
        return trained.ToDictionary(t => t.Key, t => t.Dictionary, StringComparer.Ordinal);
    }
}
