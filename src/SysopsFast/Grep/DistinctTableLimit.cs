using System.Text;

namespace SysopsFast.Grep;

/// <summary>
/// What a table of distinct lines (counting identical lines) or of keys and values (kv) may hold in
/// one query, shared by its workers: each held line at most <see cref="MaxLineBytes"/>, all of them
/// at most <see cref="MaxEntries"/> and <see cref="MaxBytes"/>. Past a bound the query is refused with
/// one line naming the object that took it there: an exact answer or none, never a silent cut.
/// </summary>
internal sealed class DistinctTableLimit(string table)
{
    /// <summary>One line, key or value held: 1 MiB (a longer one is counted by nobody, not cut).</summary>
    public const int MaxLineBytes = 1 << 20;

    /// <summary>
    /// Distinct lines, or keys plus values, held: with their tables, copies and printed rows about
    /// 60 MB, beside the record being read (up to 128 MB) and the runtime, under the 300 MB a query may take.
    /// </summary>
    public const long MaxEntries = 100_000;

    /// <summary>Bytes of the distinct lines, keys and values held: 16 MiB.</summary>
    public const long MaxBytes = 16L << 20;

    private long _entries;
    private long _bytes;

    /// <summary>Refuses a line longer than is held, before it is copied. <paramref name="what"/>: line, key or value.</summary>
    public void CheckLength(int length, string what, ReadOnlySpan<byte> recordKey)
    {
        if (length > MaxLineBytes)
        {
            throw Errors.HeldLineTooLong(table, what, Encoding.UTF8.GetString(recordKey), length, MaxLineBytes);
        }
    }

    /// <summary>One more distinct entry of <paramref name="length"/> bytes (already checked), found in <paramref name="recordKey"/>.</summary>
    public void Take(int length, ReadOnlySpan<byte> recordKey)
    {
        var entries = Interlocked.Increment(ref _entries);
        var bytes = Interlocked.Add(ref _bytes, length);
        if (entries > MaxEntries || bytes > MaxBytes)
        {
            throw Errors.TooManyDistinct(table, Encoding.UTF8.GetString(recordKey), MaxEntries, MaxBytes);
        }
    }
}

/// <summary>The key of the record a worker reads, copied into one reused buffer: named if a limit is met.</summary>
internal sealed class RecordKeyBuffer
{
    private byte[] _key = [];
    private int _length;

    public ReadOnlySpan<byte> Key => _key.AsSpan(0, _length);

    public void Set(ReadOnlySpan<byte> key)
    {
        if (_key.Length < key.Length)
        {
            _key = new byte[key.Length];
        }
        key.CopyTo(_key);
        _length = key.Length;
    }
}
