using System.Text;
using SysopsFast.Compare;
using SysopsFast.Query;

namespace SysopsFast.Output;

/// <summary>Prints compare's and compare-all's answers as they are made (text or NDJSON).</summary>
public interface IComparePrinter
{
    /// <summary>One key compared with the reference on <paramref name="field"/>.</summary>
    void Compared(RecordMetadata reference, Comparison comparison, RecordField field);

    /// <summary>One md5 group of compare-all (<paramref name="index"/> of <paramref name="groups"/>), its hosts listed when <paramref name="hostList"/>.</summary>
    void Group(GroupComparison group, int index, int groups, bool hostList);
}

/// <summary>Text: "… of K1 and K2 are identical" or the diff; compare-all's group lines then the diff.</summary>
public sealed class TextComparePrinter(Stream output) : IComparePrinter
{
    /// <inheritdoc/>
    public void Compared(RecordMetadata reference, Comparison comparison, RecordField field)
    {
        if (comparison.Diff is { } diff)
        {
            output.Write(diff);
        }
        else
        {
            Write($"{FieldText.Noun(field)} of {reference.Key} and {comparison.Record.Key} are identical\n");
        }
    }

    /// <inheritdoc/>
    public void Group(GroupComparison group, int index, int groups, bool hostList)
    {
        var g = group.Group;
        var title = group.Majority ? "majority" : $"group {index + 1} of {groups}";
        var sample = g.Sample?.Key ?? g.Members[0].Key;
        Write(FormattableString.Invariant($"{title}: {g.Count} key{(g.Count == 1 ? "" : "s")} with md5 {g.Md5Hex}, e.g. {sample}\n"));
        if (hostList)
        {
            WriteKeys(g.Members);
        }
        if (group.Diff is not null)
        {
            output.Write(group.Diff);
        }
    }

    private void Write(string text) => output.Write(Encoding.UTF8.GetBytes(text));

    /// <summary>Each key on a line of its own after two spaces; an ASCII key straight from its bytes.</summary>
    private void WriteKeys(RecordMetadataList keys)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            output.Write("  "u8);
            if (keys.IsAscii(i))
            {
                output.Write(keys.KeyBytes(i));
            }
            else
            {
                Write(keys.Key(i));
            }
            output.WriteByte((byte)'\n');
        }
    }
}

/// <summary>NDJSON (docs/OUTPUT.md): one object per compared key, or per md5 group.</summary>
public sealed class JsonComparePrinter(Stream output) : IComparePrinter
{
    /// <inheritdoc/>
    public void Compared(RecordMetadata reference, Comparison comparison, RecordField field) =>
        RecordJson.WriteLine(output, json =>
        {
            RecordJson.WriteRecord(json, comparison.Record, fields: true);
            json.WriteString("reference", reference.Key);
            json.WriteBoolean("identical", comparison.Identical);
            RecordJson.WriteDiff(json, comparison.Diff);
        });

    /// <inheritdoc/>
    public void Group(GroupComparison group, int index, int groups, bool hostList) =>
        RecordJson.WriteLine(output, json =>
        {
            var g = group.Group;
            json.WriteString("md5", g.Md5Hex);
            json.WriteNumber("count", g.Count);
            json.WriteBoolean("majority", group.Majority);
            json.WriteString("sample", g.Sample?.Key ?? g.Members[0].Key);
            json.WriteStartArray("hosts");
            for (var i = 0; i < g.Count; i++)
            {
                WriteKey(json, g.Members, i, hostOnly: true);
            }
            json.WriteEndArray();
            json.WriteStartArray("keys");
            for (var i = 0; i < g.Count; i++)
            {
                WriteKey(json, g.Members, i, hostOnly: false);
            }
            json.WriteEndArray();
            RecordJson.WriteDiff(json, group.Diff);
        });

    /// <summary>A member's key (or its host) as a string value: an ASCII key from its bytes, another as printed.</summary>
    private static void WriteKey(System.Text.Json.Utf8JsonWriter json, RecordMetadataList members, int index, bool hostOnly)
    {
        if (members.IsAscii(index))
        {
            var key = members.KeyBytes(index);
            json.WriteStringValue(hostOnly ? ObjectKey.HostOf(key) : key);
        }
        else
        {
            var key = members.Key(index);
            json.WriteStringValue(hostOnly ? ObjectKey.Split(key).Host : key);
        }
    }
}
