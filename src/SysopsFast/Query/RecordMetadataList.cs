using System.Collections;
using SysopsFast.Format;

namespace SysopsFast.Query;

/// <summary>
/// Records' keys and headers, sorted by key (<see cref="RecordMetadata.Key"/>, ordinal): a header
/// query's answer, or an md5 group's members. Held packed, about 170 bytes a key, not one object
/// per key: <see cref="KeyBytes"/> and <see cref="Header"/> read an item without allocating; the
/// indexer makes a <see cref="RecordMetadata"/> each time it is called. Never changes once made.
/// </summary>
public sealed class RecordMetadataList : IReadOnlyList<RecordMetadata>
{
    private readonly MetadataTable _table;
    private readonly int[] _ids;
    private readonly int _start;

    internal RecordMetadataList(MetadataTable table, int[] ids, int start, int count)
    {
        _table = table;
        _ids = ids;
        _start = start;
        Count = count;
    }

    /// <summary>An empty list.</summary>
    public static RecordMetadataList Empty { get; } = new(MetadataTable.Empty, [], 0, 0);

    /// <inheritdoc/>
    public int Count { get; }

    /// <summary>The item at <paramref name="index"/>, made now (a new object each call).</summary>
    public RecordMetadata this[int index] => new(Key(index), Header(index)) { KeyBytes = KeyBytes(index).ToArray() };

    /// <summary>The key at <paramref name="index"/> as stored, valid as long as this list.</summary>
    public ReadOnlySpan<byte> KeyBytes(int index) => _table.Key(Id(index));

    /// <summary>The key at <paramref name="index"/> as printed (U+FFFD where its bytes are not UTF-8).</summary>
    public string Key(int index) => _table.KeyText(Id(index));

    /// <summary>The header at <paramref name="index"/>.</summary>
    public ref readonly RecordHeader Header(int index) => ref _table.Header(Id(index));

    /// <summary>Whether the key at <paramref name="index"/> is ASCII: its bytes are what it prints as, one column a byte.</summary>
    public bool IsAscii(int index) => _table.IsAscii(Id(index));

    /// <summary>The items from <paramref name="start"/>, <paramref name="count"/> of them.</summary>
    public RecordMetadataList Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)start, (uint)Count, nameof(start));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)count, (uint)(Count - start), nameof(count));
        return new(_table, _ids, _start + start, count);
    }

    /// <inheritdoc/>
    public IEnumerator<RecordMetadata> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The same table's items at <paramref name="ids"/> (an md5 group's members).</summary>
    internal RecordMetadataList With(int[] ids, int start, int count) => new(_table, ids, start, count);

    /// <summary>The table id of the item at <paramref name="index"/> (md5 grouping indexes by it).</summary>
    internal int Id(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return _ids[_start + index];
    }
}
