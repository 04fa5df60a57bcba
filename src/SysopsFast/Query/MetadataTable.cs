using System.Text;
using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Query;

/// <summary>
/// Keys, and headers for a header query, packed in large pages as the workers read them: a header
/// query of a million hosts keeps ~170 bytes a key here (the parsed header, where the key is and
/// its bytes), where an object per key with its key as a string and as an array took ~600; pages of
/// structs without references are never scanned or copied by the GC. An entry's id is its page and slot; ids are
/// what <see cref="RecordMetadataList"/> orders and groups.
/// </summary>
internal sealed class MetadataTable
{
    /// <summary>Entries per page (a power of two: an id is page × this + slot); its arrays are large objects, never copied by the GC.</summary>
    private const int PageShift = 13;

    private const int PageSize = 1 << PageShift;

    /// <summary>Key bytes per key page; a longer key gets a page of its own.</summary>
    private const int KeyPageBytes = 256 * 1024;

    private readonly List<Page> _pages;

    private MetadataTable(List<Page> pages, bool ascii)
    {
        _pages = pages;
        AllAscii = ascii;
    }

    /// <summary>A table without entries.</summary>
    public static MetadataTable Empty { get; } = new([], ascii: true);

    /// <summary>Whether every key is ASCII, so that byte order is the order of the keys as strings.</summary>
    public bool AllAscii { get; }

    /// <summary>The ids of every entry, in no particular order.</summary>
    public int[] Ids()
    {
        var ids = new int[_pages.Sum(p => p.Count)];
        var n = 0;
        for (var p = 0; p < _pages.Count; p++)
        {
            for (var slot = 0; slot < _pages[p].Count; slot++)
            {
                ids[n++] = (p << PageShift) | slot;
            }
        }
        return ids;
    }

    /// <summary>The header of an entry of a table made with headers.</summary>
    public ref readonly RecordHeader Header(int id) => ref _pages[id >> PageShift].Headers![id & (PageSize - 1)];

    public ReadOnlySpan<byte> Key(int id)
    {
        ref readonly var k = ref At(id);
        return _pages[id >> PageShift].KeyBytes[k.Page].AsSpan(k.Offset, k.Length);
    }

    /// <summary>Whether the key is ASCII (its bytes sort as its string does).</summary>
    public bool IsAscii(int id) => At(id).Ascii;

    /// <summary>The key as printed: U+FFFD where its bytes are not UTF-8.</summary>
    public string KeyText(int id) => ObjectKey.Display(Key(id));

    private ref readonly KeyRef At(int id) => ref _pages[id >> PageShift].Keys[id & (PageSize - 1)];

    /// <summary>Where a key's bytes are.</summary>
    private struct KeyRef
    {
        public int Page;
        public int Offset;
        public int Length;
        public bool Ascii;
    }

    /// <summary>A page of entries and the key pages of the worker that filled it.</summary>
    private sealed class Page(List<byte[]> keyBytes, bool headers)
    {
        public KeyRef[] Keys { get; } = GC.AllocateUninitializedArray<KeyRef>(PageSize);

        /// <summary>Null when only keys are read.</summary>
        public RecordHeader[]? Headers { get; } = headers ? GC.AllocateUninitializedArray<RecordHeader>(PageSize) : null;

        public List<byte[]> KeyBytes { get; } = keyBytes;

        public int Count { get; set; }
    }

    /// <summary>Makes one worker per decode worker, then the table from what they read.</summary>
    /// <param name="headers">Whether headers are kept (a header query), or keys alone.</param>
    public sealed class Collector(bool headers) : IRecordProcessorFactory
    {
        public MetadataTable? Table { get; private set; }

        /// <summary>What was read, sorted by key, each key once.</summary>
        public RecordMetadataList Sorted()
        {
            var table = Table ?? Empty;
            var ids = KeyOrder.SortedDistinct(table);
            return new RecordMetadataList(table, ids, 0, ids.Length);
        }

        /// <summary>The keys read, sorted, each printed text once (two keys not UTF-8 may print alike); each string is made when asked for.</summary>
        public IReadOnlyList<string> SortedKeys()
        {
            var table = Table ?? Empty;
            var ids = KeyOrder.SortedDistinct(table);
            if (!table.AllAscii)
            {
                // Keys that print alike are next to each other (sorted by text first).
                ids = [.. ids.Where((id, i) => i == 0 || table.IsAscii(id) || table.KeyText(id) != table.KeyText(ids[i - 1]))];
            }
            return new KeyTextList(table, ids);
        }

        public IRecordProcessor CreateForWorker() => new Worker(headers);

        public void Complete(IReadOnlyList<IRecordProcessor> processors)
        {
            var workers = processors.Cast<Worker>().ToArray();
            Table = new MetadataTable([.. workers.SelectMany(w => w.Pages)], workers.All(w => w.AllAscii));
        }
    }

    /// <summary>What one worker read: its own pages, so workers never share a lock.</summary>
    private sealed class Worker(bool headers) : IRecordProcessor
    {
        private readonly List<byte[]> _keys = [];
        private int _keyUsed = KeyPageBytes;

        public List<Page> Pages { get; } = [];

        public bool AllAscii { get; private set; } = true;

        public bool Process(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content)
        {
            if (Pages.Count == 0 || Pages[^1].Count == PageSize)
            {
                Pages.Add(new Page(_keys, headers));
            }
            var page = Pages[^1];
            if (page.Headers is { } h)
            {
                h[page.Count] = header;
            }
            ref var k = ref page.Keys[page.Count++];
            k.Ascii = Ascii.IsValid(key);
            AllAscii &= k.Ascii;
            (k.Page, k.Offset) = Store(key);
            k.Length = key.Length;
            return true;
        }

        /// <summary>Copies the key into the current key page (a new one when it is full).</summary>
        private (int Page, int Offset) Store(ReadOnlySpan<byte> key)
        {
            if (key.Length > KeyPageBytes - _keyUsed)
            {
                _keys.Add(GC.AllocateUninitializedArray<byte>(Math.Max(KeyPageBytes, key.Length)));
                _keyUsed = 0;
            }
            var offset = _keyUsed;
            key.CopyTo(_keys[^1].AsSpan(offset));
            _keyUsed += key.Length;
            return (_keys.Count - 1, offset);
        }
    }
}
