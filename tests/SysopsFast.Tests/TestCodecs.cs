using SysopsFast.Format;

namespace SysopsFast.Tests;

/// <summary>Every codec, with the dictionary the dictionary codec needs, so each test covers all of them.</summary>
internal static class TestCodecs
{
    /// <summary>The codecs a record can be encoded with from its contents alone (line delta needs a base: LineDeltaTests).</summary>
    public static readonly PayloadCodec[] All = [.. Enum.GetValues<PayloadCodec>().Where(c => c != PayloadCodec.LineDelta)];

    /// <summary>Trained on text unlike any test's contents: records must still round-trip, only less small.</summary>
    public static readonly CompressionDictionary Dictionary = CompressionDictionary.Train(
        Enumerable.Range(0, 50).Select(i => System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 40).Select(j => $"kernel.sample{j} = {i * j}\nnet.core.netdev_budget = {300 + (i % 3)}\n")))).ToArray());

    public static readonly CompressionDictionaries Dictionaries = Make();

    public static byte[] Encode(ReadOnlySpan<byte> content, FileStat stat, long inserted, PayloadCodec codec, long sizeCap = RecordEncoder.DefaultSizeCap) =>
        RecordEncoder.Encode(content, stat, inserted, codec, sizeCap, codec == PayloadCodec.ZstdDictionary ? Dictionary : null);

    public static RecordDecoder Decoder() => new(Dictionaries);

    private static CompressionDictionaries Make()
    {
        var set = new CompressionDictionaries();
        set.TryAdd(Dictionary.Id, Dictionary.Bytes);
        return set;
    }
}
