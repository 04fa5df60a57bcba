using System.Globalization;
using System.Text;
using SysopsFast.Fleet;
using SysopsFast.Query;
using SysopsFast.Redis;

namespace SysopsFast.Output;

/// <summary>
/// `dict train` and `dict list`: one line per object (text), or NDJSON rows (docs/OUTPUT.md has
/// both formats and every field).
/// </summary>
public static class DictionaryPrinter
{
    /// <summary>One row of <c>dict train</c>, as text or NDJSON.</summary>
    public static void Write(Stream output, DictionaryTrainingRow row, bool json)
    {
        if (json)
        {
            RecordJson.WriteLine(output, j =>
            {
                j.WriteString("core", row.Core);
                j.WriteString("object", row.Object);
                j.WriteNumber("hosts", row.Hosts);
                j.WriteString("verdict", Verdict(row.Verdict));
                j.WriteNumber("samples", row.Samples);
                j.WriteNumber("held_out", row.HeldOut);
                WriteId(j, "current_id", row.CurrentId);
                j.WriteNumber("current_bytes", row.CurrentBytes);
                WriteId(j, "new_id", row.NewId);
                j.WriteNumber("new_bytes", row.NewBytes);
                WriteId(j, "base_id", row.BaseId);
                j.WriteNumber("record_bytes", row.RecordBytes);
                j.WriteNumber("delta_bytes", row.DeltaBytes);
                j.WriteStartArray("failures");
                foreach (var f in row.Failures)
                {
                    j.WriteStringValue(f);
                }
                j.WriteEndArray();
            });
            return;
        }
        output.Write(Encoding.UTF8.GetBytes(Text(row) + "\n"));
    }

    /// <summary>One dictionary of <c>dict list</c>, as text or NDJSON.</summary>
    public static void Write(Stream output, DictionaryEntry entry, bool json)
    {
        if (json)
        {
            RecordJson.WriteLine(output, j =>
            {
                j.WriteString("core", entry.Core);
                j.WriteString("server", entry.Server);
                WriteText(j, "object", entry.Object);
                WriteId(j, "id", entry.Id);
                if (entry.Bytes is { } bytes)
                {
                    j.WriteNumber("bytes", bytes);
                }
                else
                {
                    j.WriteNull("bytes");
                }
                if (entry.ExpiresIn is { } life)
                {
                    j.WriteNumber("expires_in", Math.Round(life.TotalSeconds, 3));
                }
                else
                {
                    j.WriteNull("expires_in");
                }
                WriteText(j, "error", entry.Error);
            });
            return;
        }
        output.Write(Encoding.UTF8.GetBytes(Text(entry) + "\n"));
    }

    /// <summary>
    /// <c>core object: 100 samples of 24000 hosts (20 held out): LZ4 812345 B, new 1a2b3c4d 40960 B (-95.0%): published</c>;
    /// an object held by too few hosts: <c>core object: 3 hosts: no dictionary (8 needed)</c>.
    /// </summary>
    public static string Text(DictionaryTrainingRow row)
    {
        if (row.Verdict == DictionaryVerdict.TooFewHosts)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{row.Core} {row.Object}: {row.Hosts} hosts{(row.Samples > 0 ? $" ({row.Samples} samples with contents)" : "")}: no dictionary ({DictionaryTrainer.MinimumHosts} needed)");
        }
        var current = row.CurrentId == 0 ? "LZ4" : "current " + DictionaryStore.Hex(row.CurrentId);
        var lineBase = row.BaseId == 0 ? "no base" : $"base {DictionaryStore.Hex(row.BaseId)}";
        return string.Create(CultureInfo.InvariantCulture,
            $"{row.Core} {row.Object}: {row.Samples} samples of {row.Hosts} hosts ({row.HeldOut} held out): {current} {row.CurrentBytes} B, new {DictionaryStore.Hex(row.NewId)} {row.NewBytes} B ({-row.Gain * 100:+0.0;-0.0;0.0}%): {Verdict(row.Verdict)}; {lineBase} (samples {row.RecordBytes} B, with deltas {row.DeltaBytes} B)");
    }

    /// <summary><c>core server object id bytes life</c>, the object <c>(previous)</c> for one no longer current.</summary>
    public static string Text(DictionaryEntry e)
    {
        if (e.Error is { } error)
        {
            return $"{e.Core} {e.Server} error: {error}";
        }
        var size = e.Bytes is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b} B") : "missing";
        var life = e.Bytes is null ? "" : e.ExpiresIn is { } t ? " expires in " + Duration(t) : " never expires";
        return $"{e.Core} {e.Server} {e.Object ?? "(previous)"} {DictionaryStore.Hex(e.Id)} {size}{life}";
    }

    private static string Verdict(DictionaryVerdict verdict) => verdict switch
    {
        DictionaryVerdict.Published => "published",
        DictionaryVerdict.Kept => "kept",
        _ => "too_few_hosts",
    };

    /// <summary>5h59m, 42m10s, 30s.</summary>
    private static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}h{t.Minutes:00}m")
        : t.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}m{t.Seconds:00}s")
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, t.Seconds)}s");

    private static void WriteId(System.Text.Json.Utf8JsonWriter json, string name, uint id)
    {
        if (id == 0)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, DictionaryStore.Hex(id));
        }
    }

    private static void WriteText(System.Text.Json.Utf8JsonWriter json, string name, string? value)
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
