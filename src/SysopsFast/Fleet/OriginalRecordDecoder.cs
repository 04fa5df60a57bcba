using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SysopsFast.Format;

namespace SysopsFast.Fleet;

/// <summary>An original record decoded: its contents (valid until the decoder's next call) and metadata.</summary>
/// <param name="TimeUnknown">The record had no insertion time (the four-element layout); <paramref name="InsertedUnixMs"/> is the migration's.</param>
/// <param name="Contents">The decompressed contents.</param>
/// <param name="Stat">Mode, owner, size and mtime from the original's stat string.</param>
/// <param name="InsertedUnixMs">When the original was inserted, in Unix milliseconds.</param>
internal readonly record struct OriginalObject(ReadOnlyMemory<byte> Contents, FileStat Stat, long InsertedUnixMs, bool TimeUnknown = false);

/// <summary>
/// Turns the five bz2 elements of an original record into contents and metadata, checking the md5.
/// One per worker: it keeps its buffers from record to record.
/// </summary>
/// <param name="migratedUnixMs">The insertion time given to records that have none (the migration's start).</param>
internal sealed class OriginalRecordDecoder(long migratedUnixMs)
{
    /// <summary>The contents may not decompress to more than this (a bz2 bomb stops here).</summary>
    public const int MaxContentBytes = 256 << 20;

    /// <summary>md5, stat, word counts and time are a few dozen characters each.</summary>
    private const int MaxFieldBytes = 64 << 10;

    /// <summary>A buffer grown past this for one huge record is not kept for the next ones.</summary>
    private const int RetainedBytes = 16 << 20;

    private const int Contents = 0;
    private const int Md5 = 1;
    private const int Stat = 2;
    private const int WordCount = 3;
    private const int Inserted = 4;

    private byte[] _contents = [];
    private byte[] _field = new byte[1024];

    /// <summary>Decodes <paramref name="entry"/>; returns null and the object, or why it is a bad key.</summary>
    public string? Decode(OriginalEntry entry, out OriginalObject decoded)
    {
        decoded = default;
        if (entry.Problem is not null)
        {
            return entry.Problem;
        }
        if (_contents.Length > RetainedBytes)
        {
            _contents = [];
        }
        try
        {
            var contents = DecompressContents(entry);
            var md5 = Field(entry, Md5, "md5").Trim();
            var actual = Convert.ToHexStringLower(MD5.HashData(contents.Span));
            if (!md5.Equals(actual, StringComparison.OrdinalIgnoreCase))
            {
                return $"md5 mismatch: the contents hash to {actual}, the record says '{Shorten(md5)}'";
            }
            var stat = OriginalStat.Parse(Field(entry, Stat, "stat"));
            _ = Field(entry, WordCount, "word count"); // recounted from the contents; only checked to decode
            if (entry.Elements.Length <= Inserted)
            {
                decoded = new OriginalObject(contents, stat, migratedUnixMs, TimeUnknown: true);
                return null;
            }
            var time = Field(entry, Inserted, "insertion time").Trim();
            if (!double.TryParse(time, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !double.IsFinite(seconds) || Math.Abs(seconds) > 1e11)
            {
                return $"the insertion time '{Shorten(time)}' is not a number of seconds";
            }
            decoded = new OriginalObject(contents, stat, (long)Math.Round(seconds * 1000));
            return null;
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }
    }

    private ReadOnlyMemory<byte> DecompressContents(OriginalEntry entry)
    {
        try
        {
            var length = Bzip2.Decompress(Bytes(entry, Contents), ref _contents, MaxContentBytes);
            return _contents.AsMemory(0, length); // after the call: it may have replaced the buffer
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"contents element: {e.Message}", e);
        }
    }

    /// <summary>A small element as text; its problem names it.</summary>
    private string Field(OriginalEntry entry, int index, string name)
    {
        try
        {
            var length = Bzip2.Decompress(Bytes(entry, index), ref _field, MaxFieldBytes);
            return Encoding.UTF8.GetString(_field, 0, length);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{name} element: {e.Message}", e);
        }
    }

    private static ReadOnlySpan<byte> Bytes(OriginalEntry entry, int index) => ((ReadOnlyMemory<byte>)entry.Elements[index]).Span;

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
