using System.Globalization;
using System.Text;
using SysopsFast.Query;

namespace SysopsFast.Output;

/// <summary>Prints <c>history</c>'s answer: each object's versions, newest first (docs/OUTPUT.md).</summary>
public interface IHistoryPrinter
{
    /// <summary>One object and its versions.</summary>
    void Object(ObjectHistory history);
}

/// <summary>
/// Text: the key, then one line per version: its index, the time it was stored (ISO 8601 UTC), md5,
/// size in bytes, and the lines the next newer version added and removed (or "current", "omitted",
/// "corrupt: why"). With <paramref name="diffs"/> (<c>history --diff</c>), each version's line is
/// followed by its unified diff against the next newer version, byte for byte as compare prints it.
/// </summary>
public sealed class TextHistoryPrinter(Stream output, bool diffs = false) : IHistoryPrinter
{
    /// <inheritdoc/>
    public void Object(ObjectHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var text = new StringBuilder();
        text.Append(ControlEscaping.Escape(history.Key)).Append('\n');
        foreach (var v in history.Versions)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {v.Index,3}  ");
            if (v.Error is not null && v.Header.InsertedUnixMs == 0)
            {
                text.Append("corrupt: ").Append(v.Error).Append('\n');
                continue;
            }
            text.Append(CultureInfo.InvariantCulture, $"{JsonHistoryPrinter.Time(v.Inserted)}  {v.Md5Hex}  {v.Header.RawLength,10}  {Change(v)}\n");
            if (diffs && v.Diff is { } diff)
            {
                // The diff's bytes go out as stored (a file that is not UTF-8 included), so the text so far goes first.
                output.Write(Encoding.UTF8.GetBytes(text.ToString()));
                output.Write(diff);
                text.Clear();
            }
        }
        output.Write(Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static string Change(HistoryVersion v) =>
        v.Error is not null ? "corrupt: " + v.Error
        : v.LinesAdded is { } added ? string.Create(CultureInfo.InvariantCulture, $"+{added} -{v.LinesRemoved}")
        : v.Index == 0 ? "current"
        : v.Omitted ? "omitted"
        : "";
}

/// <summary>
/// NDJSON: one object per version (docs/OUTPUT.md, "history"); with <paramref name="diffs"/>
/// (<c>history --diff</c>) each also has <c>diff</c> (or <c>diff_base64</c>), as compare's.
/// </summary>
public sealed class JsonHistoryPrinter(Stream output, bool diffs = false) : IHistoryPrinter
{
    /// <inheritdoc/>
    public void Object(ObjectHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        foreach (var v in history.Versions)
        {
            RecordJson.WriteLine(output, j =>
            {
                j.WriteString("key", history.Key);
                j.WriteNumber("version", v.Index);
                if (v.Header.InsertedUnixMs != 0)
                {
                    j.WriteString("inserted", Time(v.Inserted));
                    j.WriteString("md5", v.Md5Hex);
                    j.WriteNumber("size", v.Header.RawLength);
                    j.WriteBoolean("omitted", v.Omitted);
                }
                WriteCount(j, "added", v.LinesAdded);
                WriteCount(j, "removed", v.LinesRemoved);
                if (v.Error is null)
                {
                    j.WriteNull("error");
                }
                else
                {
                    j.WriteString("error", v.Error);
                }
                if (diffs)
                {
                    RecordJson.WriteDiff(j, v.Diff);
                }
            });
        }
    }

    private static void WriteCount(System.Text.Json.Utf8JsonWriter json, string name, int? count)
    {
        if (count is { } n)
        {
            json.WriteNumber(name, n);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    /// <summary>ISO 8601 UTC to the millisecond, as every history time is printed.</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
