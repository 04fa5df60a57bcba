using System.Security.Cryptography;
using System.Text;
using SysopsFast.Format;
using SysopsFast.Push;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>Objects read within the size cap, and the counts of what is over it, piece by piece.</summary>
public sealed class ContentReaderTests
{
    /// <summary>Bytes with multi-byte UTF-8, invalid sequences and blanks, so that pieces cut characters and words.</summary>
    private static byte[] Mixed(int length, int seed)
    {
        var random = new Random(seed);
        var pieces = new[] { "é"u8.ToArray(), "日本"u8.ToArray(), "😀"u8.ToArray(), [0xC3], [0xFF, 0xFE], " "u8.ToArray(), "\n"u8.ToArray(), "\t"u8.ToArray(), "word"u8.ToArray() };
        var bytes = new List<byte>();
        while (bytes.Count < length)
        {
            bytes.AddRange(pieces[random.Next(pieces.Length)]);
        }
        return [.. bytes.Take(length)];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Counts_over_any_split_are_the_counts_of_the_whole(int seed)
    {
        var bytes = Mixed(5000, seed);
        var random = new Random(seed);
        using var counter = new ContentCounter();
        for (var at = 0; at < bytes.Length;)
        {
            var n = Math.Min(random.Next(1, 7), bytes.Length - at);
            counter.Add(bytes.AsSpan(at, n));
            at += n;
        }
        var summary = counter.Complete();
        var (chars, lines, words) = RecordEncoder.Count(bytes);
        Assert.Equal((bytes.Length, RecordEncoder.Md5Of(bytes), chars, lines, words), (summary.Length, summary.Md5, summary.Characters, summary.Lines, summary.Words));
        Assert.Equal(Encoding.UTF8.GetCharCount(bytes), summary.Characters);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(bytes)), summary.Md5.ToString("x32", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(999, false)]
    [InlineData(1000, false)]
    [InlineData(1001, true)]
    [InlineData(200_000, true)]
    public async Task Contents_over_the_cap_keep_only_their_summary(int length, bool omitted)
    {
        var bytes = Mixed(length, length);
        using var stream = new MemoryStream(bytes);
        var read = await ContentReader.ReadAsync(stream, 1000, CancellationToken.None);
        Assert.Equal(omitted, read.Bytes is null);
        Assert.Equal(length, read.Length);
        var record = PushObject.Of("cmd/x", read, FileStat.None, 1);
        Assert.Equal(RecordEncoder.Md5Of(bytes), record.Md5);
        Assert.Equal((omitted, (long)length), (record.Omitted, record.Length));
        using var decoder = new RecordDecoder();
        Assert.True(decoder.TryDecode(record.Encode(null), out var header, out var content, out var error), error);
        Assert.Equal((omitted ? RecordFlags.Omitted : RecordFlags.None, (long)length, RecordEncoder.Md5Of(bytes)), (header.Flags, header.RawLength, header.Md5));
        Assert.Equal(RecordEncoder.Count(bytes), (header.Characters, header.Lines, header.Words));
        Assert.Equal(omitted ? [] : bytes, content.ToArray());
        Assert.Equal(omitted, ContentReader.FromBytes(bytes, 1000).Bytes is null);
    }

    /// <summary>The cap may be raised past the encoder's default: what is within it is stored whole.</summary>
    [Fact]
    public void A_raised_cap_stores_what_the_default_would_omit()
    {
        var bytes = new byte[RecordEncoder.DefaultSizeCap + 10];
        var read = ContentReader.FromBytes(bytes, 2 * RecordEncoder.DefaultSizeCap);
        Assert.NotNull(read.Bytes);
        Assert.True(RecordHeader.TryRead(PushObject.Of("cmd/x", read, FileStat.None, 1).Encode(null), out var header, out _));
        Assert.Equal(RecordFlags.None, header.Flags);
    }

    /// <summary>An object of any size is described by its header (a reader never decodes it), not reported as damaged.</summary>
    [Fact]
    public void An_omitted_record_past_the_readers_limit_is_not_corrupt()
    {
        var huge = new ContentSummary(RecordDecoder.MaxRawLength * 8, 42, 1, 2, 3);
        var record = RecordEncoder.EncodeOmitted(huge, FileStat.None, 1);
        using var decoder = new RecordDecoder();
        Assert.True(decoder.TryDecode(record, out var header, out var content, out var error), error);
        Assert.Equal((RecordFlags.Omitted, huge.Length, 0), (header.Flags, header.RawLength, content.Length));

        // An omitted record that carries a payload anyway is damage.
        var withPayload = RecordEncoder.Encode(new byte[100], FileStat.None, 1, PayloadCodec.None);
        Assert.True(RecordHeader.TryRead(withPayload, out var h, out _));
        var forged = new byte[withPayload.Length];
        new RecordHeader { Version = 1, Codec = PayloadCodec.None, Flags = RecordFlags.Omitted, PayloadLength = 100, RawLength = 100, PayloadChecksum = h.PayloadChecksum }.WriteTo(forged);
        withPayload.AsSpan(RecordHeader.Size).CopyTo(forged.AsSpan(RecordHeader.Size));
        Assert.False(decoder.TryDecode(forged, out _, out _, out error));
        Assert.Contains("has a payload", error, StringComparison.Ordinal);
    }
}
