using System.Text;
using SysopsFast.Query;

namespace SysopsFast.Output;

/// <summary>Prints what <c>verify</c> finds, one row at a time (rows come sorted by core, then key).</summary>
public interface IReplicaDriftPrinter
{
    /// <summary>One key whose copies differ between a core's servers.</summary>
    void Row(ReplicaDriftRow row);
}

/// <summary>
/// One line a row (docs/OUTPUT.md): <c>core key missing on S1, S2</c>,
/// <c>core key different: S1=md5prefix, S2=corrupt (reason)</c>, or
/// <c>core key history differs at version N: S1=md5prefix@time, S2=none</c>.
/// </summary>
public sealed class TextReplicaDriftPrinter(Stream output) : IReplicaDriftPrinter
{
    /// <summary>Hex digits of an md5 shown: enough to tell copies apart on a line (the JSON has all 32).</summary>
    public const int Md5Prefix = 8;

    /// <inheritdoc/>
    public void Row(ReplicaDriftRow row)
    {
        var text = new StringBuilder().Append(row.Core).Append(' ').Append(row.Key);
        if (row.Problem == ReplicaProblem.Missing)
        {
            text.Append(" missing on ").AppendJoin(", ", row.Servers.Select(s => s.Server));
        }
        else if (row.Problem == ReplicaProblem.History)
        {
            text.Append(" history differs at version ").Append(row.Version).Append(": ").AppendJoin(", ", row.Servers.Select(Entry));
        }
        else
        {
            text.Append(" different: ").AppendJoin(", ", row.Servers.Select(s => s.Corrupt is { } why ? $"{s.Server}=corrupt ({why})" : $"{s.Server}={s.Md5Hex![..Md5Prefix]}"));
        }
        output.Write(Encoding.UTF8.GetBytes(text.Append('\n').ToString()));
    }

    /// <summary>A server's entry at a history row's version: md5 prefix and time stored, corrupt, or none.</summary>
    private static string Entry(ReplicaCopy s) =>
        s.Corrupt is { } why ? $"{s.Server}=corrupt ({why})"
        : s.Md5Hex is { } md5 ? $"{s.Server}={md5[..Md5Prefix]}@{Time(s.Inserted!.Value)}"
        : $"{s.Server}=none";

    internal static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// NDJSON: <c>{"core", "key", "problem", "servers": [{"server", "md5", "corrupt"}]}</c> per row;
/// <c>md5</c> and <c>corrupt</c> are null where they do not apply. A history row (<c>"problem":
/// "history"</c>) has <c>"version"</c> too, and each server's <c>"inserted"</c> (null when its
/// history ends before that version).
/// </summary>
public sealed class JsonReplicaDriftPrinter(Stream output) : IReplicaDriftPrinter
{
    /// <inheritdoc/>
    public void Row(ReplicaDriftRow row) =>
        RecordJson.WriteLine(output, json =>
        {
            json.WriteString("core", row.Core);
            json.WriteString("key", row.Key);
            var history = row.Problem == ReplicaProblem.History;
            json.WriteString("problem", history ? "history" : row.Problem == ReplicaProblem.Missing ? "missing" : "different");
            if (history)
            {
                json.WriteNumber("version", row.Version);
            }
            json.WriteStartArray("servers");
            foreach (var copy in row.Servers)
            {
                json.WriteStartObject();
                json.WriteString("server", copy.Server);
                WriteNullable(json, "md5", copy.Md5Hex);
                WriteNullable(json, "corrupt", copy.Corrupt);
                if (history)
                {
                    WriteNullable(json, "inserted", copy.Inserted is { } t ? TextReplicaDriftPrinter.Time(t) : null);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
        });

    private static void WriteNullable(System.Text.Json.Utf8JsonWriter json, string name, string? value)
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
