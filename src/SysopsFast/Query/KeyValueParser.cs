using System.Text;

namespace SysopsFast.Query;

/// <summary>What one line of a key=value file is.</summary>
public enum KeyValueLineKind
{
    /// <summary>Blank, a comment (<c>#</c> or <c>;</c> first), or no key (<c>= value</c>).</summary>
    Skipped,

    /// <summary>An ini <c>[section]</c> header: the key is the section's name.</summary>
    Section,

    /// <summary>A key and its value (possibly empty).</summary>
    Pair,
}

/// <summary>
/// Reads <c>key = value</c>, <c>key=value</c> and <c>key value</c> lines (sysctl -a, sysctl.conf,
/// ini and conf files) as spans of the line: nothing is allocated per line.
/// </summary>
/// <remarks>
/// The key ends at the first '=', space or tab; the value is the rest of the line after that
/// separator (one '=' and the blanks around it), blanks at both ends trimmed, so it may hold spaces
/// and '=' (<c>AcceptEnv LANG=C</c>). A line with a key alone has an empty value. Keys are kept as
/// written (<c>net/ipv4/ip_forward</c> is not <c>net.ipv4.ip_forward</c>); ':' is no separator, and a
/// '#' after the value is part of it (sysctl.conf has no trailing comments).
/// </remarks>
public static class KeyValueParser
{
    /// <summary>Blanks trimmed from both ends of a line: a CRLF file's '\r' is one.</summary>
    private static ReadOnlySpan<byte> Blanks => " \t\r"u8;

    private static ReadOnlySpan<byte> KeyEnd => "= \t"u8;

    private static ReadOnlySpan<byte> Spaces => " \t"u8;

    /// <summary>One line (without its '\n'). For a section, <paramref name="key"/> is the section's name.</summary>
    public static KeyValueLineKind ParseLine(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        key = default;
        value = default;
        line = line.Trim(Blanks);
        if (line.IsEmpty || line[0] == (byte)'#' || line[0] == (byte)';')
        {
            return KeyValueLineKind.Skipped;
        }
        if (line[0] == (byte)'[' && line[^1] == (byte)']')
        {
            key = line[1..^1].Trim(Spaces);
            return KeyValueLineKind.Section;
        }
        var end = line.IndexOfAny(KeyEnd);
        if (end == 0)
        {
            return KeyValueLineKind.Skipped;
        }
        if (end < 0)
        {
            key = line;
            return KeyValueLineKind.Pair;
        }
        key = line[..end];
        var rest = line[end..].TrimStart(Spaces);
        if (!rest.IsEmpty && rest[0] == (byte)'=')
        {
            rest = rest[1..].TrimStart(Spaces);
        }
        value = rest;
        return KeyValueLineKind.Pair;
    }

    /// <summary>
    /// Every pair of <paramref name="content"/> in order, keys after a <c>[section]</c> header as
    /// <c>section.key</c>; a key repeated is listed each time (the query keeps the last). Allocates:
    /// for tests and small inputs; the query uses <see cref="KeyValueReader"/>.
    /// </summary>
    public static IReadOnlyList<(string Key, string Value)> Parse(ReadOnlySpan<byte> content)
    {
        var pairs = new List<(string, string)>();
        var reader = new KeyValueReader(content);
        while (reader.Next(out var key, out var value))
        {
            var name = Encoding.UTF8.GetString(key);
            pairs.Add((reader.Section.IsEmpty ? name : Encoding.UTF8.GetString(reader.Section) + "." + name, Encoding.UTF8.GetString(value)));
        }
        return pairs;
    }
}

/// <summary>Walks a record's lines and yields its pairs, remembering the current ini section.</summary>
public ref struct KeyValueReader(ReadOnlySpan<byte> content)
{
    private ReadOnlySpan<byte> _rest = content;

    /// <summary>The section of the pairs that follow (empty before any <c>[section]</c>, or after <c>[]</c>).</summary>
    public ReadOnlySpan<byte> Section { get; private set; }

    /// <summary>The next pair; its key without the section (see <see cref="Section"/>). False at the end.</summary>
    public bool Next(out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        while (!_rest.IsEmpty)
        {
            var nl = _rest.IndexOf((byte)'\n');
            var line = nl < 0 ? _rest : _rest[..nl];
            _rest = nl < 0 ? default : _rest[(nl + 1)..];
            var kind = KeyValueParser.ParseLine(line, out var name, out var text);
            if (kind == KeyValueLineKind.Pair)
            {
                key = name;
                value = text;
                return true;
            }
            if (kind == KeyValueLineKind.Section)
            {
                Section = name;
            }
        }
        key = default;
        value = default;
        return false;
    }
}
