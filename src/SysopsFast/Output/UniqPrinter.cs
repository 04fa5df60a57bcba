using System.Globalization;
using System.Text;
using SysopsFast.Grep;

namespace SysopsFast.Output;

/// <summary>
/// The <c>--uniq</c> table in its shapes (docs/OUTPUT.md): <c>uniq -c</c> text (sample hosts
/// after a tab), on a terminal with a bar and a percentage of the records searched per row,
/// NDJSON rows <c>{count, line, hosts}</c>, and CSV with a header.
/// </summary>
public static class UniqPrinter
{
    /// <summary>The text shape for <paramref name="style"/>: bars on a terminal, <c>uniq -c</c> elsewhere.</summary>
    /// <param name="records">Records searched: what the percentages are of.</param>
    /// <param name="output">Where the table goes.</param>
    /// <param name="rows">The counted lines, most frequent first.</param>
    /// <param name="style">Plain, or a terminal's (bars, escaping, colour).</param>
    public static void Text(Stream output, IReadOnlyList<UniqCount> rows, long records, TextStyle style)
    {
        if (!style.Terminal)
        {
            Plain(output, rows);
            return;
        }
        var whole = records > 0 ? records : rows.Count == 0 ? 0 : rows.Max(r => r.Count);
        var width = rows.Count == 0 ? 0 : rows.Max(r => CountBar.Count(r.Count).Length);
        foreach (var r in rows)
        {
            var text = new StringBuilder();
            text.Append(CountBar.Count(r.Count).PadLeft(width)).Append(' ').Append(CountBar.Bar(r.Count, whole))
                .Append(' ').Append(CountBar.Percent(r.Count, whole).PadLeft(6)).Append("  ").Append(r.Line);
            if (r.Hosts is not null)
            {
                text.Append('\t').Append(string.Join(' ', r.Hosts)).Append(r.Hosts.Count < r.Count ? " …" : "");
            }
            style.Write(output, text.Append('\n').ToString());
        }
    }

    /// <summary>
    /// The one <c>uniq -c</c> layout: the count right-aligned in at least 7 columns, a space, the
    /// line as the snapshots hold it, and with sample hosts a tab and the hosts ("…" when more have
    /// the line). Written as bytes: no text of a line is made, so a 100 MB line costs no 200 MB string.
    /// </summary>
    public static void Plain(Stream output, IReadOnlyList<UniqCount> rows)
    {
        var width = Math.Max(7, rows.Count == 0 ? 0 : rows.Max(r => r.Count).ToString(CultureInfo.InvariantCulture).Length);
        // Many short rows in few writes; a row longer than the buffer goes straight through.
        var buffered = new BufferedStream(output, 64 * 1024);
        foreach (var r in rows)
        {
            buffered.Write(Encoding.ASCII.GetBytes(r.Count.ToString(CultureInfo.InvariantCulture).PadLeft(width) + " "));
            buffered.Write(r.LineBytes);
            if (r.Hosts is not null)
            {
                buffered.Write(Encoding.UTF8.GetBytes("\t" + string.Join(' ', r.Hosts) + (r.Hosts.Count < r.Count ? " …" : "")));
            }
            buffered.WriteByte((byte)'\n');
        }
        buffered.Flush(); // not disposed: that would close the caller's stream
    }

    /// <summary><see cref="Plain"/>'s layout as text (a line that is not UTF-8 with U+FFFD), for comparing answers.</summary>
    public static string Text(IReadOnlyList<UniqCount> rows)
    {
        using var text = new MemoryStream();
        Plain(text, rows);
        return Encoding.UTF8.GetString(text.GetBuffer(), 0, (int)text.Length);
    }

    /// <summary>The NDJSON shape: one <c>{count, line, hosts}</c> object per row.</summary>
    public static void Json(Stream output, IReadOnlyList<UniqCount> rows)
    {
        foreach (var r in rows)
        {
            RecordJson.WriteLine(output, json =>
            {
                json.WriteNumber("count", r.Count);
                json.WriteString("line", r.Line);
                json.WriteStartArray("hosts");
                foreach (var h in r.Hosts ?? [])
                {
                    json.WriteStringValue(h);
                }
                json.WriteEndArray();
            });
        }
    }

    /// <summary>RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.</summary>
    public static string Csv(IReadOnlyList<UniqCount> rows)
    {
        var samples = rows.Any(r => r.Hosts is not null);
        var text = new StringBuilder(samples ? "count,line,hosts\r\n" : "count,line\r\n");
        foreach (var r in rows)
        {
            text.Append(r.Count.ToString(CultureInfo.InvariantCulture)).Append(',').Append(Field(r.Line));
            if (samples)
            {
                text.Append(',').Append(Field(string.Join(' ', r.Hosts ?? [])));
            }
            text.Append("\r\n");
        }
        return text.ToString();
    }

    private static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
