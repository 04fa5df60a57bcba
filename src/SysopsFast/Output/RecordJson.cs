using System.Text;
using System.Text.Unicode;
using System.Text.Json;
using SysopsFast.Query;

namespace SysopsFast.Output;

/// <summary>
/// The NDJSON objects of <c>--json</c> (docs/OUTPUT.md; the field names are a contract). Written
/// with <see cref="Utf8JsonWriter"/>: no reflection, so it works under Native AOT.
/// </summary>
public static class RecordJson
{
    /// <summary><c>key</c>, <c>host</c>, <c>object</c>; with <paramref name="fields"/> every header field too.</summary>
    public static void WriteRecord(Utf8JsonWriter json, RecordMetadata record, bool fields)
    {
        json.WriteString("key", record.Key);
        json.WriteString("host", record.Host);
        json.WriteString("object", record.Object);
        if (!fields)
        {
            return;
        }
        var h = record.Header;
        json.WriteString("md5", record.Md5Hex);
        json.WriteNumber("size", h.Stat.Size);
        json.WriteString("mode", Convert.ToString(h.Stat.Mode, 8));
        json.WriteNumber("uid", h.Stat.Uid);
        json.WriteNumber("gid", h.Stat.Gid);
        json.WriteNumber("mtime", h.Stat.MtimeUnixSeconds);
        json.WriteNumber("inserted", h.InsertedUnixMs / 1000.0);
        json.WriteNumber("chars", h.Characters);
        json.WriteNumber("lines", h.Lines);
        json.WriteNumber("words", h.Words);
        json.WriteString("codec", h.Codec.ToString().ToLowerInvariant());
        json.WriteNumber("stored_bytes", record.StoredBytes);
    }

    /// <summary><c>contents</c> when the bytes are UTF-8, else <c>contents_base64</c>.</summary>
    public static void WriteContents(Utf8JsonWriter json, ReadOnlySpan<byte> contents)
    {
        if (Utf8.IsValid(contents))
        {
            json.WriteString("contents", contents);
        }
        else
        {
            json.WriteBase64String("contents_base64", contents);
        }
    }

    /// <summary><c>diff</c> as text (null when identical), or <c>diff_base64</c> when its bytes are not UTF-8.</summary>
    public static void WriteDiff(Utf8JsonWriter json, byte[]? diff)
    {
        if (diff is null)
        {
            json.WriteNull("diff");
        }
        else if (Utf8.IsValid(diff))
        {
            json.WriteString("diff", diff);
        }
        else
        {
            json.WriteBase64String("diff_base64", diff);
        }
    }

    /// <summary>One object on one line: <paramref name="body"/> writes its properties.</summary>
    public static void WriteLine(Stream output, Action<Utf8JsonWriter> body)
    {
        using (var json = new Utf8JsonWriter(output, JsonLineOptions.Writer))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }
        output.WriteByte((byte)'\n');
    }
}
