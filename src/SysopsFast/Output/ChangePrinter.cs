using System.Globalization;
using System.Text;
using SysopsFast.Query;

namespace SysopsFast.Output;

/// <summary>Prints what <c>--changed-since</c> finds (search, search --diff, list-files, kv), as text or NDJSON (docs/OUTPUT.md).</summary>
public interface IChangePrinter
{
    /// <summary>One changed key (search).</summary>
    void Key(KeyChange change);

    /// <summary>One changed key with its diff from its version then (<c>--diff</c>); null: nothing to diff (a new empty object).</summary>
    void Diff(KeyChange change, byte[]? diff);

    /// <summary>One object with the hosts whose copy changed, <paramref name="created"/> of them new (list-files).</summary>
    void Object(string name, int hosts, int created);

    /// <summary>One key=value change with its hosts (kv).</summary>
    void KeyValue(KeyValueChange change);
}

/// <summary>
/// Text: a changed key alone, a new one followed by two spaces and <c>new</c>; diffs as compare prints
/// them; <c>count object</c>; <c>key  before -&gt; after  (N hosts)</c>.
/// </summary>
public sealed class TextChangePrinter(Stream output) : IChangePrinter
{
    /// <inheritdoc/>
    public void Key(KeyChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        Write(change.IsNew ? change.Key + "  new\n" : change.Key + "\n");
    }

    /// <inheritdoc/>
    public void Diff(KeyChange change, byte[]? diff)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (diff is null)
        {
            Write($"{change.Key}  new, empty\n");
        }
        else
        {
            output.Write(diff);
        }
    }

    /// <inheritdoc/>
    public void Object(string name, int hosts, int created) =>
        Write(string.Create(CultureInfo.InvariantCulture, $"{hosts,7} {name}{(created > 0 ? $"  ({created} new)" : "")}\n"));

    /// <inheritdoc/>
    public void KeyValue(KeyValueChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var text = new StringBuilder();
        text.Append(change.Key).Append("  ").Append(Shown(change.Before)).Append(" -> ").Append(Shown(change.After))
            .Append(CultureInfo.InvariantCulture, $"  ({change.Count} host{(change.Count == 1 ? "" : "s")})");
        if (change.Hosts.Count > 0)
        {
            text.Append("  [").AppendJoin(' ', change.Hosts);
            if (change.Count > change.Hosts.Count)
            {
                text.Append(CultureInfo.InvariantCulture, $" +{change.Count - change.Hosts.Count} more");
            }
            text.Append(']');
        }
        Write(text.Append('\n').ToString());
    }

    /// <summary>A value as kv shows it: <c>(absent)</c>, <c>""</c> for empty.</summary>
    private static string Shown(string? value) => value switch
    {
        null => "(absent)",
        "" => "\"\"",
        _ => value,
    };

    private void Write(string text) => output.Write(Encoding.UTF8.GetBytes(text));
}

/// <summary>NDJSON: one object per changed key, object, or key=value change (docs/OUTPUT.md).</summary>
public sealed class JsonChangePrinter(Stream output) : IChangePrinter
{
    /// <inheritdoc/>
    public void Key(KeyChange change) => RecordJson.WriteLine(output, json => WriteChange(json, change));

    /// <inheritdoc/>
    public void Diff(KeyChange change, byte[]? diff) =>
        RecordJson.WriteLine(output, json =>
        {
            WriteChange(json, change);
            RecordJson.WriteDiff(json, diff);
        });

    /// <inheritdoc/>
    public void Object(string name, int hosts, int created) =>
        RecordJson.WriteLine(output, json =>
        {
            json.WriteString("object", name);
            json.WriteNumber("hosts", hosts);
            json.WriteNumber("new", created);
        });

    /// <inheritdoc/>
    public void KeyValue(KeyValueChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        RecordJson.WriteLine(output, json =>
        {
            json.WriteString("key", change.Key);
            WriteValue(json, "before", change.Before);
            WriteValue(json, "after", change.After);
            json.WriteNumber("count", change.Count);
            json.WriteStartArray("hosts");
            foreach (var host in change.Hosts)
            {
                json.WriteStringValue(host);
            }
            json.WriteEndArray();
        });
    }

    /// <summary><c>key</c>, <c>host</c>, <c>object</c>, <c>new</c>, <c>md5</c> (now), <c>md5_then</c> (null when new), <c>inserted</c> (now's, Unix seconds).</summary>
    private static void WriteChange(System.Text.Json.Utf8JsonWriter json, KeyChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        RecordJson.WriteRecord(json, change.Now, fields: false);
        json.WriteBoolean("new", change.IsNew);
        json.WriteString("md5", change.Now.Md5Hex);
        if (change.Then is { } then)
        {
            json.WriteString("md5_then", then.Md5.ToString("x32", CultureInfo.InvariantCulture));
        }
        else
        {
            json.WriteNull("md5_then");
        }
        json.WriteNumber("inserted", change.Now.Header.InsertedUnixMs / 1000.0);
    }

    private static void WriteValue(System.Text.Json.Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
