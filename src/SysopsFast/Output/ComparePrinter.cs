using System.Text;
using SysopsFast.Compare;
using SysopsFast.Query;

namespace SysopsFast.Output;

/// <summary>
/// The answer of <c>compare</c> for one key against the reference: identical, or a unified diff
/// whose headers name both keys. <see cref="Diff"/> is null when identical.
/// </summary>
/// <remarks>The diff is bytes: lines of files that are not UTF-8 are printed exactly as stored.</remarks>
public sealed record Comparison(RecordMetadata Record, byte[]? Diff)
{
    public bool Identical => Diff is null;
}

/// <summary>The answer of <c>compare-all</c> for one md5 group: the diff against the majority's sample (null for the majority).</summary>
public sealed record GroupComparison(Md5Group Group, bool Majority, byte[]? Diff);

/// <summary>Diffs shared by compare and compare-all: computed once per distinct pair of contents, labelled per key.</summary>
public static class Comparisons
{
    /// <summary>
    /// The diff of two records' contents (null when identical). A record stored without its contents
    /// (over the size cap when pushed) cannot be diffed: that is said instead of diffing nothing.
    /// </summary>
    /// <param name="budget">What the answer may still hold of diffs; a longer one is replaced by a notice.</param>
    public static byte[]? Contents(FetchedRecord reference, FetchedRecord other, string otherKey, DiffBudget budget, DiffSearch search = default)
    {
        ArgumentNullException.ThrowIfNull(budget);
        var omitted = new[] { reference, other }.Where(r => (r.Header.Flags & Format.RecordFlags.Omitted) != 0).Select(r => r.Key).ToArray();
        if (omitted.Length > 0)
        {
            var same = reference.Header.Md5 == other.Header.Md5 && reference.Header.RawLength == other.Header.RawLength;
            return same ? null : Encoding.UTF8.GetBytes($"{reference.Key} and {otherKey} differ; the contents of {string.Join(" and ", omitted)} were over the size cap when pushed and were not stored\n");
        }
        return budget.Hold(reference.Contents, other.Contents, reference.Key, otherKey, search);
    }

    /// <summary>
    /// A diff made against <paramref name="sampleKey"/>, relabelled for <paramref name="key"/>, which
    /// has the same contents: one diff per distinct contents, however many keys hold it.
    /// </summary>
    public static byte[] Relabel(byte[] diff, string referenceKey, string sampleKey, string key)
    {
        if (key == sampleKey)
        {
            return diff;
        }
        var span = diff.AsSpan();
        var first = span.IndexOf((byte)'\n');
        var second = first < 0 ? -1 : span[(first + 1)..].IndexOf((byte)'\n');
        if (span.StartsWith("--- "u8) && second >= 0 && span[(first + 1)..].StartsWith("+++ "u8))
        {
            return [.. span[..(first + 1)], .. Encoding.UTF8.GetBytes("+++ " + key + "\n"), .. span[(first + second + 2)..]];
        }
        // The one-line forms: "Binary files R and S differ", "R and S differ; the contents of S were …".
        var text = Encoding.UTF8.GetString(diff)
            .Replace(referenceKey + " and " + sampleKey, referenceKey + " and " + key, StringComparison.Ordinal)
            .Replace("contents of " + sampleKey + " were", "contents of " + key + " were", StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>A header field compared as one line of text each.</summary>
    public static byte[]? Field(RecordField field, RecordMetadata reference, RecordMetadata other, DateTimeOffset now)
    {
        var left = Encoding.UTF8.GetBytes(FieldText.Format(field, reference, now) + "\n");
        var right = Encoding.UTF8.GetBytes(FieldText.Format(field, other, now) + "\n");
        using var diff = new MemoryStream();
        return UnifiedDiff.WriteTo(diff, left, right, reference.Key, other.Key) ? diff.ToArray() : null;
    }
}

public interface IComparePrinter
{
    void Compared(RecordMetadata reference, Comparison comparison, RecordField field);

    void Group(GroupComparison group, int index, int groups, bool hostList);
}

/// <summary>Text: "… of K1 and K2 are identical" or the diff; compare-all's group lines then the diff.</summary>
public sealed class TextComparePrinter(Stream output) : IComparePrinter
{
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

    public void Group(GroupComparison group, int index, int groups, bool hostList)
    {
        var g = group.Group;
        var title = group.Majority ? "majority" : $"group {index + 1} of {groups}";
        var sample = g.Sample?.Key ?? g.Members[0].Key;
        Write(FormattableString.Invariant($"{title}: {g.Count} key{(g.Count == 1 ? "" : "s")} with md5 {g.Md5Hex}, e.g. {sample}\n"));
        if (hostList)
        {
            Write(string.Concat(g.Members.Select(m => "  " + m.Key + "\n")));
        }
        if (group.Diff is not null)
        {
            output.Write(group.Diff);
        }
    }

    private void Write(string text) => output.Write(Encoding.UTF8.GetBytes(text));
}

/// <summary>NDJSON (docs/OUTPUT.md): one object per compared key, or per md5 group.</summary>
public sealed class JsonComparePrinter(Stream output) : IComparePrinter
{
    public void Compared(RecordMetadata reference, Comparison comparison, RecordField field) =>
        RecordJson.WriteLine(output, json =>
        {
            RecordJson.WriteRecord(json, comparison.Record, fields: true);
            json.WriteString("reference", reference.Key);
            json.WriteBoolean("identical", comparison.Identical);
            WriteDiff(json, comparison.Diff);
        });

    public void Group(GroupComparison group, int index, int groups, bool hostList) =>
        RecordJson.WriteLine(output, json =>
        {
            var g = group.Group;
            json.WriteString("md5", g.Md5Hex);
            json.WriteNumber("count", g.Count);
            json.WriteBoolean("majority", group.Majority);
            json.WriteString("sample", g.Sample?.Key ?? g.Members[0].Key);
            json.WriteStartArray("hosts");
            foreach (var m in g.Members)
            {
                json.WriteStringValue(m.Host);
            }
            json.WriteEndArray();
            json.WriteStartArray("keys");
            foreach (var m in g.Members)
            {
                json.WriteStringValue(m.Key);
            }
            json.WriteEndArray();
            WriteDiff(json, group.Diff);
        });

    /// <summary><c>diff</c> as text (null when identical), or <c>diff_base64</c> when its bytes are not UTF-8.</summary>
    private static void WriteDiff(System.Text.Json.Utf8JsonWriter json, byte[]? diff)
    {
        if (diff is null)
        {
            json.WriteNull("diff");
        }
        else if (System.Text.Unicode.Utf8.IsValid(diff))
        {
            json.WriteString("diff", diff);
        }
        else
        {
            json.WriteBase64String("diff_base64", diff);
        }
    }
}
