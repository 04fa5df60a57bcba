using System.Text;
using SysopsFast.Query;

namespace SysopsFast.Output;

/// <summary>Prints what <c>search</c> finds: keys, one header field per key, or contents.</summary>
public interface ISearchPrinter
{
    /// <summary>A key found (nothing fetched).</summary>
    void Key(string key);

    /// <summary>One header field of a record.</summary>
    void Field(RecordMetadata record, RecordField field);

    /// <summary>One header field of each record, in the list's order.</summary>
    void Fields(RecordMetadataList records, RecordField field);

    /// <summary>A record's contents.</summary>
    void Contents(FetchedRecord record);
}

/// <summary>
/// The original's layout: a key per line; a field's value per line (with <c>-H</c>, after the key
/// padded to 100 columns); contents as stored (with <c>-H</c>, every line after its key).
/// </summary>
/// <param name="original">The original tool's own texts (extract): Python's stat and word-count strings, contents stripped.</param>
/// <param name="output">Where the answer goes.</param>
/// <param name="prefixKeys">Each line after its key (<c>-H</c>).</param>
/// <param name="now">What ages (time updated) are counted from.</param>
public sealed class TextSearchPrinter(Stream output, bool prefixKeys, DateTimeOffset now, bool original = false) : ISearchPrinter
{
    /// <inheritdoc/>
    public void Key(string key) => Line(key);

    /// <inheritdoc/>
    public void Field(RecordMetadata record, RecordField field)
    {
        var value = original ? FieldText.FormatOriginal(field, record, now) : FieldText.Format(field, record, now);
        Line(prefixKeys ? FieldText.Prefix(record.Key) + value : value);
    }

    /// <summary>The <c>-H</c> column: keys are padded to this many characters.</summary>
    private const int KeyColumns = 100;

    /// <inheritdoc/>
    /// <remarks>An ASCII key's line is written from its bytes and header, with no string made.</remarks>
    public void Fields(RecordMetadataList records, RecordField field)
    {
        Span<byte> line = stackalloc byte[512];
        for (var i = 0; i < records.Count; i++)
        {
            var key = records.KeyBytes(i);
            var start = prefixKeys ? Math.Max(key.Length + 1, KeyColumns) : 0;
            if (original || (prefixKeys && !records.IsAscii(i)) || start >= line.Length
                || !FieldText.TryWrite(field, records.Header(i), line[start..^1], out var written))
            {
                Field(records[i], field);
                continue;
            }
            if (prefixKeys)
            {
                key.CopyTo(line);
                line[key.Length..start].Fill((byte)' ');
            }
            line[start + written] = (byte)'\n';
            output.Write(line[..(start + written + 1)]);
        }
    }

    /// <inheritdoc/>
    public void Contents(FetchedRecord record)
    {
        var contents = record.Contents.AsSpan();
        if (!prefixKeys && original)
        {
            // The original printed each value with surrounding whitespace stripped.
            output.Write(contents.Trim(" \t\r\n\v\f"u8));
            output.WriteByte((byte)'\n');
            return;
        }
        if (!prefixKeys)
        {
            output.Write(contents);
            if (contents.Length > 0 && contents[^1] != '\n')
            {
                output.WriteByte((byte)'\n');
            }
            return;
        }
        var prefix = Encoding.UTF8.GetBytes(FieldText.Prefix(record.Key));
        while (contents.Length > 0)
        {
            var end = contents.IndexOf((byte)'\n');
            var line = end < 0 ? contents : contents[..end];
            output.Write(prefix);
            output.Write(line);
            output.WriteByte((byte)'\n');
            contents = end < 0 ? default : contents[(end + 1)..];
        }
    }

    private void Line(string text)
    {
        output.Write(Encoding.UTF8.GetBytes(text));
        output.WriteByte((byte)'\n');
    }
}

/// <summary>NDJSON: one object per key (docs/OUTPUT.md).</summary>
public sealed class JsonSearchPrinter(Stream output) : ISearchPrinter
{
    /// <inheritdoc/>
    public void Key(string key)
    {
        var (host, objectName) = ObjectKey.Split(key);
        RecordJson.WriteLine(output, json =>
        {
            json.WriteString("key", key);
            json.WriteString("host", host);
            json.WriteString("object", objectName);
        });
    }

    /// <inheritdoc/>
    public void Field(RecordMetadata record, RecordField field) =>
        RecordJson.WriteLine(output, json => RecordJson.WriteRecord(json, record, fields: true));

    /// <inheritdoc/>
    public void Fields(RecordMetadataList records, RecordField field)
    {
        for (var i = 0; i < records.Count; i++)
        {
            Field(records[i], field);
        }
    }

    /// <inheritdoc/>
    public void Contents(FetchedRecord record) =>
        RecordJson.WriteLine(output, json =>
        {
            RecordJson.WriteRecord(json, record.Metadata, fields: true);
            RecordJson.WriteContents(json, record.Contents);
        });
}
