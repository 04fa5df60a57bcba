using System.Buffers;

namespace SysopsFast.Output;

/// <summary>
/// Control characters shown the way <c>cat -v</c> shows them (<c>^[</c> for ESC, <c>^M</c> for CR,
/// <c>^?</c> for DEL; the C1 controls U+0080–U+009F as <c>M-^[</c> …); newlines and tabs pass. What a
/// terminal gets of snapshot contents and key names, which a host can fill with escape sequences.
/// </summary>
public static class ControlEscaping
{
    /// <summary>Whether the text holds a byte that <see cref="Write"/> would escape (a C1 control needs its lead byte 0xC2).</summary>
    public static bool NeedsEscaping(ReadOnlySpan<byte> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (IsControl(text[i]) || (text[i] == 0xc2 && i + 1 < text.Length && text[i + 1] is >= 0x80 and <= 0x9f))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Writes <paramref name="input"/> escaped.</summary>
    /// <param name="more">More input follows: a trailing 0xC2 is left unconsumed (it may start a C1 control).</param>
    /// <returns>How many bytes of <paramref name="input"/> were consumed.</returns>
    /// <param name="to">Where the escaped bytes go.</param>
    /// <param name="input">Bytes that may hold control characters.</param>
    public static int Write(IBufferWriter<byte> to, ReadOnlySpan<byte> input, bool more = false)
    {
        var start = 0;
        for (var i = 0; i < input.Length; i++)
        {
            var b = input[i];
            if (b == 0xc2 && i + 1 == input.Length && more)
            {
                to.Write(input[start..i]);
                return i;
            }
            if (b == 0xc2 && i + 1 < input.Length && input[i + 1] is >= 0x80 and <= 0x9f)
            {
                to.Write(input[start..i]);
                to.Write("M-"u8);
                WriteCaret(to, (byte)(input[i + 1] - 0x80));
                start = ++i + 1;
            }
            else if (IsControl(b))
            {
                to.Write(input[start..i]);
                WriteCaret(to, b);
                start = i + 1;
            }
        }
        to.Write(input[start..]);
        return input.Length;
    }

    /// <summary>The text escaped, as a string (for messages on a terminal's stderr).</summary>
    public static string Escape(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        if (!NeedsEscaping(bytes))
        {
            return text;
        }
        var escaped = new ArrayBufferWriter<byte>(bytes.Length + 16);
        Write(escaped, bytes);
        return System.Text.Encoding.UTF8.GetString(escaped.WrittenSpan);
    }

    private static bool IsControl(byte b) => (b < 0x20 && b is not (byte)'\n' and not (byte)'\t') || b == 0x7f;

    /// <summary>cat -v's notation: ^@ … ^_ for 0–31, ^? for 127.</summary>
    private static void WriteCaret(IBufferWriter<byte> to, byte control) =>
        to.Write(control == 0x7f ? "^?"u8 : [(byte)'^', (byte)(control + 0x40)]);
}
