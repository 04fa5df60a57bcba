using System.Buffers;

namespace SysopsFast.Redis;

/// <summary>
/// Keys packed back to back in pooled buffers: a page from discovery, or the keys of one MGET. A
/// query moves every key of an object through discovery and fetch, so keys held one array each
/// made the garbage of a warm query grow with the fleet (~50 bytes a host); a page's buffers go
/// back to the pool when its owner disposes it. One owner at a time: whoever takes a page from a
/// channel, or is handed it, disposes it.
/// </summary>
internal sealed class KeyPage : IDisposable
{
    private byte[] _bytes;
    private int[] _ends;
    private int _length;

    /// <param name="capacity">Keys expected (the arrays grow past it).</param>
    public KeyPage(int capacity = 64)
    {
        _ends = ArrayPool<int>.Shared.Rent(Math.Max(1, capacity));
        _bytes = ArrayPool<byte>.Shared.Rent(Math.Max(64, capacity * 32));
    }

    public int Count { get; private set; }

    /// <summary>The key at <paramref name="index"/>, valid until the page is disposed.</summary>
    public ReadOnlySpan<byte> this[int index]
    {
        get
        {
            var start = index == 0 ? 0 : _ends[index - 1];
            return _bytes.AsSpan(start, _ends[index] - start);
        }
    }

    /// <summary>A page holding copies of <paramref name="keys"/>.</summary>
    public static KeyPage Of(IEnumerable<byte[]> keys)
    {
        var page = new KeyPage(keys.TryGetNonEnumeratedCount(out var n) ? n : 64);
        foreach (var key in keys)
        {
            page.Add(key);
        }
        return page;
    }

    /// <summary>Appends <paramref name="key"/> followed by <paramref name="suffix"/> as one key.</summary>
    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> suffix = default)
    {
        var length = key.Length + suffix.Length;
        if (Count == _ends.Length)
        {
            _ends = Grow(_ends, Count, Count * 2);
        }
        if (_length + length > _bytes.Length)
        {
            _bytes = Grow(_bytes, _length, Math.Max(_bytes.Length * 2, _length + length));
        }
        key.CopyTo(_bytes.AsSpan(_length));
        suffix.CopyTo(_bytes.AsSpan(_length + key.Length));
        _length += length;
        _ends[Count++] = _length;
    }

    /// <summary>A new page with copies of <paramref name="count"/> keys from <paramref name="start"/>.</summary>
    public KeyPage Slice(int start, int count)
    {
        var slice = new KeyPage(count);
        for (var i = start; i < start + count; i++)
        {
            slice.Add(this[i]);
        }
        return slice;
    }

    /// <summary>Copies of the keys as arrays (for the paths that keep keys past the page).</summary>
    public byte[][] ToArrays()
    {
        var keys = new byte[Count][];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = this[i].ToArray();
        }
        return keys;
    }

    /// <summary>Empties the page, keeping its buffers.</summary>
    public void Clear()
    {
        Count = 0;
        _length = 0;
    }

    public void Dispose()
    {
        if (_ends.Length > 0)
        {
            ArrayPool<int>.Shared.Return(_ends);
            ArrayPool<byte>.Shared.Return(_bytes);
            _ends = [];
            _bytes = [];
            Count = _length = 0;
        }
    }

    private static T[] Grow<T>(T[] old, int used, int size)
    {
        var grown = ArrayPool<T>.Shared.Rent(size);
        old.AsSpan(0, used).CopyTo(grown);
        ArrayPool<T>.Shared.Return(old);
        return grown;
    }
}
