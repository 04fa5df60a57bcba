using System.Buffers.Binary;

namespace SysopsFast.Query;

/// <summary>
/// Sorts a <see cref="MetadataTable"/>'s entries by key and drops repeated keys, in the order every
/// listing has had: ordinal on the keys as strings (<see cref="RecordMetadata.Key"/>), then on
/// their bytes where two keys print alike (invalid UTF-8). Two keys of which one is ASCII compare
/// as their bytes do; only two non-ASCII keys are compared as strings (UTF-8's byte order is not
/// UTF-16's past U+E000, nor that of U+FFFD standing for invalid bytes).
/// </summary>
/// <remarks>
/// Keys of a fleet share long beginnings (<c>eat1-app</c>…), so comparing whole keys would reach
/// into the table at almost every one of the n log n comparisons, a cache miss each at a million
/// keys. Instead each id is sorted with 7 bytes of its key beside it, and each run of ids whose 7
/// bytes are equal is sorted again on the next 7 (most significant digit first): the table is read
/// once per id and level, and keys that differ by their host number need two levels.
/// </remarks>
internal static class KeyOrder
{
    /// <summary>Key bytes per level; the 8th byte of a prefix says how many bytes were left (up to 8).</summary>
    private const int BytesPerLevel = 7;

    /// <summary>The table's ids sorted by key, each key once (the first of equal keys in the sort).</summary>
    public static int[] SortedDistinct(MetadataTable table)
    {
        var ids = table.Ids();
        var items = new Item[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            items[i] = new Item(Prefix(table.Key(ids[i]), 0), ids[i]);
        }
        if (table.AllAscii)
        {
            SortByLevels(items, table);
        }
        else
        {
            items.AsSpan().Sort(new MixedComparer(table));
        }
        var n = 0;
        for (var i = 0; i < items.Length; i++)
        {
            if (n == 0 || !table.Key(ids[n - 1]).SequenceEqual(table.Key(items[i].Id)))
            {
                ids[n++] = items[i].Id;
            }
        }
        return n == ids.Length ? ids : ids[..n];
    }

    /// <summary>Sorts on the first 7 bytes, then each run of equal prefixes on the next 7, and so on (a stack, not recursion: keys may be long).</summary>
    private static void SortByLevels(Item[] items, MetadataTable table)
    {
        var runs = new Stack<(int Start, int Length, int Depth)>();
        runs.Push((0, items.Length, 0));
        while (runs.TryPop(out var run))
        {
            var span = items.AsSpan(run.Start, run.Length);
            if (run.Depth > 0)
            {
                foreach (ref var item in span)
                {
                    item = item with { Prefix = Prefix(table.Key(item.Id), run.Depth) };
                }
            }
            if (span.Length <= SmallRun)
            {
                InsertionSort(span, table, run.Depth);
                continue;
            }
            span.Sort();
            for (int start = 0, end = 1; end <= span.Length; end++)
            {
                if (end < span.Length && span[end].Prefix == span[start].Prefix)
                {
                    continue;
                }
                // Equal prefixes whose keys go on past them are ordered by what follows.
                if (end - start > 1 && (span[start].Prefix & 0xFF) > BytesPerLevel)
                {
                    runs.Push((run.Start + start, end - start, run.Depth + BytesPerLevel));
                }
                start = end;
            }
        }
    }

    /// <summary>
    /// 7 bytes of the key from <paramref name="depth"/>, big-endian and zero-padded, then how many
    /// bytes were left (at most 8): ordered as the keys' bytes are, a key before the longer keys it
    /// begins.
    /// </summary>
    private static ulong Prefix(ReadOnlySpan<byte> key, int depth)
    {
        var rest = key[Math.Min(depth, key.Length)..];
        Span<byte> bytes = stackalloc byte[8];
        bytes.Clear();
        rest[..Math.Min(BytesPerLevel, rest.Length)].CopyTo(bytes);
        bytes[7] = (byte)Math.Min(rest.Length, BytesPerLevel + 1);
        return BinaryPrimitives.ReadUInt64BigEndian(bytes);
    }

    /// <summary>Runs this short (a host's few objects) are sorted on their whole keys at once, not level by level.</summary>
    private const int SmallRun = 16;

    /// <summary>Sorts a short run of keys equal before <paramref name="depth"/> on the rest of each key.</summary>
    private static void InsertionSort(Span<Item> run, MetadataTable table, int depth)
    {
        for (var i = 1; i < run.Length; i++)
        {
            var item = run[i];
            var key = table.Key(item.Id)[depth..];
            var j = i - 1;
            for (; j >= 0 && table.Key(run[j].Id)[depth..].SequenceCompareTo(key) > 0; j--)
            {
                run[j + 1] = run[j];
            }
            run[j + 1] = item;
        }
    }

    /// <summary>An id and 8 bytes of its key; sorted on those bytes alone (the default comparer: no delegate made per sort).</summary>
    private readonly record struct Item(ulong Prefix, int Id) : IComparable<Item>
    {
        public int CompareTo(Item other) => Prefix.CompareTo(other.Prefix);
    }

    /// <summary>For a table with non-ASCII keys: whole keys compared, as strings where both are non-ASCII.</summary>
    private readonly struct MixedComparer(MetadataTable table) : IComparer<Item>
    {
        public int Compare(Item x, Item y)
        {
            var asText = !table.IsAscii(x.Id) && !table.IsAscii(y.Id);
            if (!asText && x.Prefix != y.Prefix)
            {
                return x.Prefix.CompareTo(y.Prefix);
            }
            var a = table.Key(x.Id);
            var b = table.Key(y.Id);
            var order = asText ? string.CompareOrdinal(ObjectKey.Display(a), ObjectKey.Display(b)) : 0;
            return order != 0 ? order : a.SequenceCompareTo(b);
        }
    }
}
