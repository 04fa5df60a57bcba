using System.Text;

namespace SysopsFast.Fleet;

/// <summary>A reusable growable byte buffer for building synthetic contents without strings.</summary>
internal sealed class TextBuffer
{
    private byte[] _bytes = new byte[128 * 1024];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Span => _bytes.AsSpan(0, Length);

    public void Clear() => Length = 0;

    private Span<byte> Room(int n)
    {
        if (_bytes.Length - Length < n)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, Length + n));
        }
        return _bytes.AsSpan(Length);
    }

    public TextBuffer Add(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Room(bytes.Length));
        Length += bytes.Length;
        return this;
    }

    public TextBuffer Add(string ascii)
    {
        var n = Encoding.UTF8.GetBytes(ascii, Room(Encoding.UTF8.GetMaxByteCount(ascii.Length)));
        Length += n;
        return this;
    }

    public TextBuffer Add(long value)
    {
        value.TryFormat(Room(20), out var n, default, System.Globalization.CultureInfo.InvariantCulture);
        Length += n;
        return this;
    }

    private static readonly string[] HexFormats = Enumerable.Range(0, 17).Select(d => "x" + d.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    public TextBuffer Hex(ulong value, int digits)
    {
        value.TryFormat(Room(16), out var n, HexFormats[digits], System.Globalization.CultureInfo.InvariantCulture);
        Length += n;
        return this;
    }

    /// <summary>A UUID in the usual 8-4-4-4-12 form.</summary>
    public TextBuffer Uuid(ref SplitMix64 rng)
    {
        var a = rng.Next();
        var b = rng.Next();
        Hex(a >> 32, 8).Add("-"u8).Hex((a >> 16) & 0xFFFF, 4).Add("-"u8).Hex(a & 0xFFFF, 4).Add("-"u8)
            .Hex(b >> 48, 4).Add("-"u8).Hex(b & 0xFFFFFFFFFFFFUL, 12);
        return this;
    }

    public TextBuffer Line() => Add("\n"u8);
}
