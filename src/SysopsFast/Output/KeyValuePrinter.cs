using System.Globalization;
using System.Text;
using SysopsFast.Query;

namespace SysopsFast.Output;

/// <summary>Prints what <c>kv</c> finds, one key at a time.</summary>
public interface IKeyValuePrinter
{
    /// <summary>One key and its values.</summary>
    void Key(KeyValueRow row);
}

/// <summary>
/// The key on its own line, then one line per value: the count right-aligned in 7 columns, the
/// value (<c>""</c> when empty, <c>(absent)</c> for the records without the key) and, when hosts
/// were sampled, <c>[host host +N more]</c>; a blank line between keys (docs/OUTPUT.md). For a
/// terminal, counts have thousands separators and a bar and percentage of the key's records.
/// </summary>
public sealed class TextKeyValuePrinter(Stream output, bool terminal = false) : IKeyValuePrinter
{
    private bool _first = true;

    /// <inheritdoc/>
    public void Key(KeyValueRow row)
    {
        var text = new StringBuilder();
        if (!_first)
        {
            text.Append('\n');
        }
        _first = false;
        text.Append(row.Key).Append('\n');
        var whole = row.Values.Sum(v => v.Count);
        foreach (var value in row.Values)
        {
            if (terminal)
            {
                text.Append(CountBar.Count(value.Count).PadLeft(9)).Append(' ').Append(CountBar.Bar(value.Count, whole))
                    .Append(' ').Append(CountBar.Percent(value.Count, whole).PadLeft(6)).Append("  ");
            }
            else
            {
                text.Append(value.Count.ToString(CultureInfo.InvariantCulture).PadLeft(7)).Append(' ');
            }
            text.Append(Shown(value.Value));
            AppendHosts(text, value);
            text.Append('\n');
        }
        output.Write(Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static string Shown(string? value) => value switch
    {
        null => "(absent)",
        "" => "\"\"",
        _ => value,
    };

    private static void AppendHosts(StringBuilder text, KeyValueCount value)
    {
        if (value.Hosts.Count == 0)
        {
            return;
        }
        text.Append("  [").AppendJoin(' ', value.Hosts);
        if (value.Count > value.Hosts.Count)
        {
            text.Append(CultureInfo.InvariantCulture, $" +{value.Count - value.Hosts.Count} more");
        }
        text.Append(']');
    }
}

/// <summary>NDJSON: <c>{"key", "values": [{"value", "count", "hosts"}]}</c> per key; an absent key's value is null.</summary>
public sealed class JsonKeyValuePrinter(Stream output) : IKeyValuePrinter
{
    /// <inheritdoc/>
    public void Key(KeyValueRow row) =>
        RecordJson.WriteLine(output, json =>
        {
            json.WriteString("key", row.Key);
            json.WriteStartArray("values");
            foreach (var value in row.Values)
            {
                json.WriteStartObject();
                if (value.Value is null)
                {
                    json.WriteNull("value");
                }
                else
                {
                    json.WriteString("value", value.Value);
                }
                json.WriteNumber("count", value.Count);
                json.WriteStartArray("hosts");
                foreach (var host in value.Hosts)
                {
                    json.WriteStringValue(host);
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
        });
}
