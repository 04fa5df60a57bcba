using System.Globalization;
using System.Text.Unicode;
using SysopsFast.Format;

namespace SysopsFast.Query;

/// <summary>
/// A header field as one line of text (docs/OUTPUT.md): md5 hex; stat as
/// <c>mode=100644 uid=0 gid=0 size=1332 mtime=1369870000</c>; word count as
/// <c>chars=… lines=… words=…</c>; insertion time as Unix seconds, as the C library's ctime, or as
/// the age (<c>2 days, 7:33:20</c>).
/// </summary>
public static class FieldText
{
    /// <summary><paramref name="field"/> of <paramref name="record"/> as text; ages are counted to <paramref name="now"/>.</summary>
    public static string Format(RecordField field, RecordMetadata record, DateTimeOffset now) => field switch
    {
        RecordField.Key => record.Key,
        RecordField.Md5sum => record.Md5Hex,
        RecordField.Stat => Stat(record),
        RecordField.Wordcount => string.Create(CultureInfo.InvariantCulture, $"chars={record.Header.Characters} lines={record.Header.Lines} words={record.Header.Words}"),
        RecordField.Time => Seconds(record.Header.InsertedUnixMs),
        RecordField.TimeHuman => CTime(Instant(record.Header.InsertedUnixMs).ToLocalTime()),
        RecordField.TimeUpdated => Age(now - Instant(record.Header.InsertedUnixMs)),
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "contents are not a header field"),
    };

    /// <summary>
    /// The original sysops-api's text for a field (for <c>extract</c>): Python's <c>os.stat()</c>
    /// string (only what a record keeps; inode, device and link count were never stored, so 0, 0
    /// and 1), its word-count tuple (its line count is newlines + 1), and <c>str(time.time())</c>.
    /// </summary>
    public static string FormatOriginal(RecordField field, RecordMetadata record, DateTimeOffset now)
    {
        var h = record.Header;
        return field switch
        {
            RecordField.Stat when h.Stat.Mode == 0 => "No os.stat() is available.  This object is a command output.",
            RecordField.Stat => string.Create(CultureInfo.InvariantCulture,
                $"posix.stat_result(st_mode={h.Stat.Mode}, st_ino=0, st_dev=0, st_nlink=1, st_uid={h.Stat.Uid}, st_gid={h.Stat.Gid}, st_size={h.Stat.Size}, st_atime={h.Stat.MtimeUnixSeconds}, st_mtime={h.Stat.MtimeUnixSeconds}, st_ctime={h.Stat.MtimeUnixSeconds})"),
            RecordField.Wordcount => string.Create(CultureInfo.InvariantCulture,
                $"('Number of characters: {h.Characters}', 'Number of lines: {h.Lines + 1}', 'Number of words: {h.Words}')"),
            RecordField.Time => (h.InsertedUnixMs / 1000.0).ToString("0.##", CultureInfo.InvariantCulture),
            _ => Format(field, record, now),
        };
    }

    /// <summary>
    /// <see cref="Format"/>'s text of the md5, stat, word count or Unix time of <paramref name="header"/>,
    /// as UTF-8 straight into <paramref name="destination"/>; false for the other fields (and when it
    /// does not fit), which <see cref="Format"/> writes.
    /// </summary>
    internal static bool TryWrite(RecordField field, in RecordHeader header, Span<byte> destination, out int written)
    {
        var s = header.Stat;
        var invariant = CultureInfo.InvariantCulture;
        switch (field)
        {
            case RecordField.Md5sum:
                return header.Md5.TryFormat(destination, out written, "x32", invariant);
            case RecordField.Stat:
                written = 0;
                if (!"mode="u8.TryCopyTo(destination) || !TryWriteOctal(s.Mode, destination[5..], out var octal))
                {
                    return false;
                }
                var ok = Utf8.TryWrite(destination[(5 + octal)..], invariant, $" uid={s.Uid} gid={s.Gid} size={s.Size} mtime={s.MtimeUnixSeconds}", out var rest);
                written = 5 + octal + rest;
                return ok;
            case RecordField.Wordcount:
                return Utf8.TryWrite(destination, invariant, $"chars={header.Characters} lines={header.Lines} words={header.Words}", out written);
            case RecordField.Time:
                return (header.InsertedUnixMs / 1000.0).TryFormat(destination, out written, "0.###", invariant);
            default:
                written = 0;
                return false;
        }
    }

    /// <summary>As <c>Convert.ToString(value, 8)</c>.</summary>
    private static bool TryWriteOctal(uint value, Span<byte> destination, out int written)
    {
        written = value == 0 ? 1 : (32 - System.Numerics.BitOperations.LeadingZeroCount(value) + 2) / 3;
        if (written > destination.Length)
        {
            return false;
        }
        for (var i = written - 1; i >= 0; i--, value >>= 3)
        {
            destination[i] = (byte)('0' + (value & 7));
        }
        return true;
    }

    /// <summary>The name the original used in "… of K1 and … of K2 are identical".</summary>
    public static string Noun(RecordField field) => field switch
    {
        RecordField.Md5sum => "md5sum",
        RecordField.Stat => "stat",
        RecordField.Wordcount => "wordcount",
        RecordField.Time or RecordField.TimeHuman or RecordField.TimeUpdated => "cache insertion time",
        _ => "contents",
    };

    private static string Stat(RecordMetadata record)
    {
        var s = record.Header.Stat;
        return string.Create(CultureInfo.InvariantCulture, $"mode={Convert.ToString(s.Mode, 8)} uid={s.Uid} gid={s.Gid} size={s.Size} mtime={s.MtimeUnixSeconds}");
    }

    /// <summary>A header's time, clamped to what a date can hold (a hostile header must not crash the printer).</summary>
    private static DateTimeOffset Instant(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(unixMs, -62135596800000L + 86400000L, 253402300799999L - 86400000L));

    /// <summary>Unix seconds with milliseconds, as a JSON number would print them.</summary>
    public static string Seconds(long unixMs) => (unixMs / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>The C library's ctime(3) layout: <c>Mon Jun  2 15:09:08 2014</c> (day padded with a space).</summary>
    public static string CTime(DateTimeOffset t) =>
        string.Create(CultureInfo.InvariantCulture, $"{t:ddd MMM} {t.Day,2} {t:HH:mm:ss yyyy}");

    /// <summary>An age as Python prints a timedelta of whole seconds: <c>0:12:34</c>, <c>1 day, 0:00:05</c>, <c>-1 day, 23:59:50</c>.</summary>
    public static string Age(TimeSpan age)
    {
        var total = (long)Math.Floor(age.TotalSeconds);
        var days = (long)Math.Floor(total / 86400.0);
        var rest = total - (days * 86400);
        var clock = string.Create(CultureInfo.InvariantCulture, $"{rest / 3600}:{rest / 60 % 60:00}:{rest % 60:00}");
        return days == 0 ? clock : string.Create(CultureInfo.InvariantCulture, $"{days} day{(Math.Abs(days) == 1 ? "" : "s")}, {clock}");
    }

    /// <summary>The original's <c>-H</c> layout: the key padded to 100 columns, then the line (at least one space between).</summary>
    public static string Prefix(string key) => key.Length >= 100 ? key + " " : key.PadRight(100);
}
