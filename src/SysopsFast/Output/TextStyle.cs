using System.Buffers;

namespace SysopsFast.Output;

/// <summary>What a printer colours, with GNU grep's names (GREP_COLORS fn, se, ln, mt).</summary>
public enum TextRole
{
    /// <summary>Host names (GREP_COLORS fn).</summary>
    Host,
    /// <summary>Separators such as ':' (se).</summary>
    Separator,
    /// <summary>Line numbers (ln).</summary>
    LineNumber,
    /// <summary>Matched text (mt).</summary>
    Match,
}

/// <summary>
/// How a printer's text reaches its reader. On a terminal (<see cref="Terminal"/>), control
/// characters of contents and key names are escaped (<see cref="ControlEscaping"/>), never sent
/// raw, and counts may be drawn as bars; with colour, host names,
/// separators, line numbers and matches are wrapped in GNU grep's default SGR sequences, the same
/// bytes <c>grep --color=always</c> writes. <see cref="Plain"/> (pipes and files): the bytes as they are.
/// </summary>
public sealed class TextStyle(bool terminal, bool colour)
{
    /// <summary>For pipes and files: no escaping, no colour.</summary>
    public static TextStyle Plain { get; } = new(terminal: false, colour: false);

    /// <summary>The reader is a terminal: control characters are escaped.</summary>
    public bool Terminal => terminal;

    /// <summary>Host names, separators, line numbers and matches are coloured.</summary>
    public bool Colours => colour;

    /// <summary>Text of a snapshot or a key name.</summary>
    public void Write(IBufferWriter<byte> to, ReadOnlySpan<byte> text)
    {
        if (terminal)
        {
            ControlEscaping.Write(to, text);
        }
        else
        {
            to.Write(text);
        }
    }

    /// <summary>Text of a snapshot or a key name, to a stream.</summary>
    public void Write(Stream to, string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        if (!terminal)
        {
            to.Write(bytes);
            return;
        }
        var escaped = new ArrayBufferWriter<byte>(bytes.Length + 16);
        ControlEscaping.Write(escaped, bytes);
        to.Write(escaped.WrittenSpan);
    }

    /// <summary>Text in its role's colour (an empty text gets none, as GNU grep colours no empty match).</summary>
    public void Write(IBufferWriter<byte> to, TextRole role, ReadOnlySpan<byte> text)
    {
        if (!colour || text.IsEmpty)
        {
            Write(to, text);
            return;
        }
        to.Write(Start(role));
        Write(to, text);
        to.Write(End);
    }

    /// <summary>The "--" line between context groups.</summary>
    public ReadOnlySpan<byte> GroupSeparator => colour ? "\e[36m\e[K--\e[m\e[K\n"u8 : "--\n"u8;

    private static ReadOnlySpan<byte> Start(TextRole role) => role switch
    {
        TextRole.Host => "\e[35m\e[K"u8,
        TextRole.Separator => "\e[36m\e[K"u8,
        TextRole.LineNumber => "\e[32m\e[K"u8,
        _ => "\e[01;31m\e[K"u8,
    };

    private static ReadOnlySpan<byte> End => "\e[m\e[K"u8;
}
