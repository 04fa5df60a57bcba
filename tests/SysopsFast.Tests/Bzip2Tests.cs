using System.Text;
using SysopsFast.Format;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>The libbz2 wrapper: standard streams in and out, and a hard cap on what comes out.</summary>
public sealed class Bzip2Tests
{
    private static byte[] Decompress(byte[] data, int cap = 1 << 20)
    {
        var buffer = Array.Empty<byte>();
        var length = Bzip2.Decompress(data, ref buffer, cap);
        return buffer.AsSpan(0, length).ToArray();
    }

    [Fact]
    public void Round_trip_grows_the_buffer()
    {
        var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 20000).Select(i => $"line {i}\n")));
        var compressed = Bzip2.Compress(text);
        Assert.Equal("BZh9"u8.ToArray(), compressed[..4]);
        Assert.Equal(text, Decompress(compressed));
    }

    [Fact]
    public void Empty_contents_are_a_valid_stream()
    {
        Assert.Empty(Decompress(Bzip2.Compress([])));
    }

    [Fact]
    public void Concatenated_streams_decode_like_bzip2_d()
    {
        var both = Bzip2.Compress("one\n"u8).Concat(Bzip2.Compress("two\n"u8)).ToArray();
        Assert.Equal("one\ntwo\n"u8.ToArray(), Decompress(both));
    }

    [Fact]
    public void Output_over_the_cap_is_refused()
    {
        var bomb = Bzip2.Compress(new byte[4 << 20]);
        Assert.True(bomb.Length < 1000);
        var e = Assert.Throws<InvalidDataException>(() => Decompress(bomb, cap: 1 << 20));
        Assert.Contains("more than 1048576 bytes", e.Message, StringComparison.Ordinal);
        Assert.Equal(4 << 20, Decompress(bomb, cap: 4 << 20).Length);
    }

    [Theory]
    [InlineData("garbage that is not bz2")]
    [InlineData("")]
    public void Not_bzip2_is_refused(string text)
    {
        Assert.Throws<InvalidDataException>(() => Decompress(Encoding.ASCII.GetBytes(text)));
    }

    [Fact]
    public void Truncated_and_damaged_streams_are_refused()
    {
        var compressed = Bzip2.Compress(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 5000).Select(i => $"{i * 7919 % 10007}\n"))));
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => Decompress(compressed[..(compressed.Length / 2)])).Message, StringComparison.Ordinal);
        var damaged = (byte[])compressed.Clone();
        damaged[damaged.Length / 2] ^= 0x55;
        Assert.Throws<InvalidDataException>(() => Decompress(damaged));
    }
}
