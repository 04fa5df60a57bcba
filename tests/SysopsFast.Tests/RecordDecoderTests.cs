using SysopsFast.Format;
using Xunit;

namespace SysopsFast.Tests;

public class RecordDecoderTests
{
    private static readonly byte[] Contents = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("net.core.netdev_budget = 300\n", 500)));

    [Theory]
    [InlineData(PayloadCodec.None)]
    [InlineData(PayloadCodec.Lz4)]
    [InlineData(PayloadCodec.Zstd)]
    [InlineData(PayloadCodec.ZstdDictionary)]
    public void Round_trip_keeps_contents_and_metadata(PayloadCodec codec)
    {
        var stat = new FileStat(0x81ED, 12, 34, Contents.Length, 1_690_000_000);
        var record = TestCodecs.Encode(Contents, stat, 42, codec);
        using var decoder = TestCodecs.Decoder();
        Assert.True(decoder.TryDecode(record, out var h, out var content, out var error), error);
        Assert.True(content.SequenceEqual(Contents));
        Assert.Equal(stat, h.Stat);
        Assert.Equal(42, h.InsertedUnixMs);
        Assert.Equal(500, h.Lines);
        Assert.Equal(RecordEncoder.Md5Of(Contents), h.Md5);
        if (codec != PayloadCodec.None)
        {
            Assert.True(record.Length < Contents.Length / 4, "compressible contents should shrink");
        }
    }

    [Theory]
    [InlineData(PayloadCodec.None)]
    [InlineData(PayloadCodec.Lz4)]
    [InlineData(PayloadCodec.Zstd)]
    [InlineData(PayloadCodec.ZstdDictionary)]
    public void Every_truncation_is_reported_never_thrown(PayloadCodec codec)
    {
        var record = TestCodecs.Encode(Contents.AsSpan(0, 300), FileStat.None, 1, codec);
        using var decoder = TestCodecs.Decoder();
        for (var length = 0; length < record.Length; length++)
        {
            Assert.False(decoder.TryDecode(record.AsSpan(0, length), out _, out _, out var error));
            Assert.False(string.IsNullOrEmpty(error));
        }
    }

    [Theory]
    [InlineData(PayloadCodec.None)]
    [InlineData(PayloadCodec.Lz4)]
    [InlineData(PayloadCodec.Zstd)]
    [InlineData(PayloadCodec.ZstdDictionary)]
    public void Every_single_bit_flip_is_detected(PayloadCodec codec)
    {
        var record = TestCodecs.Encode(Contents.AsSpan(0, 200), FileStat.None, 1, codec);
        using var decoder = TestCodecs.Decoder();
        for (var i = 0; i < record.Length; i++)
        {
            if (i is >= 116 and < 120)
            {
                continue; // the reserved tail is outside the header CRC and never read
            }
            var damaged = (byte[])record.Clone();
            damaged[i] ^= 0x10;
            Assert.False(decoder.TryDecode(damaged, out _, out _, out var error), $"flip at {i} went unnoticed");
            Assert.NotNull(error);
        }
    }

    [Fact]
    public void Plain_text_value_is_not_a_record()
    {
        using var decoder = TestCodecs.Decoder();
        Assert.False(decoder.TryDecode(Contents, out _, out _, out var error));
        Assert.Contains("not a sysops-fast record", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversized_object_is_stored_as_an_omitted_record()
    {
        var record = RecordEncoder.Encode(Contents, FileStat.None, 1, PayloadCodec.Lz4, sizeCap: 100);
        using var decoder = TestCodecs.Decoder();
        Assert.True(decoder.TryDecode(record, out var h, out var content, out _));
        Assert.Equal(RecordFlags.Omitted, h.Flags);
        Assert.Equal(Contents.Length, h.RawLength);
        Assert.Equal(0, content.Length);
        Assert.Equal(RecordHeader.Size, record.Length);
    }

    [Fact]
    public void Word_counts_follow_wc()
    {
        var (chars, lines, words) = RecordEncoder.Count("  a b\tc\n\nd é\n"u8);
        Assert.Equal(13, chars);
        Assert.Equal(3, lines);
        Assert.Equal(5, words);
    }

    [Fact]
    public void A_dictionary_record_without_its_dictionary_is_reported_not_thrown()
    {
        var record = TestCodecs.Encode(Contents, FileStat.None, 1, PayloadCodec.ZstdDictionary);
        using var decoder = new RecordDecoder(new CompressionDictionaries());
        Assert.False(decoder.TryDecode(record, out _, out _, out var error));
        Assert.Contains($"dictionary {TestCodecs.Dictionary.Id:x8} not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dictionary_whose_bytes_do_not_match_its_id_is_refused()
    {
        var set = new CompressionDictionaries();
        var bytes = (byte[])TestCodecs.Dictionary.Bytes.Clone();
        bytes[^1] ^= 1;
        Assert.False(set.TryAdd(TestCodecs.Dictionary.Id, bytes));
        Assert.Equal(0, set.Count);
    }

    [Fact]
    public void Dictionary_codec_shrinks_similar_contents_far_more_than_plain_zstd()
    {
        var similar = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 40).Select(j => $"kernel.sample{j} = {7 * j}\nnet.core.netdev_budget = 301\n")));
        var plain = TestCodecs.Encode(similar, FileStat.None, 1, PayloadCodec.Zstd);
        var withDictionary = TestCodecs.Encode(similar, FileStat.None, 1, PayloadCodec.ZstdDictionary);
        Assert.True(withDictionary.Length - RecordHeader.Size < (plain.Length - RecordHeader.Size) / 2, $"{withDictionary.Length} vs {plain.Length} bytes");
    }
}
