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
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
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
            var ends = ArrayPool<int>.Shared.Rent(Count * 2);
            _ends.AsSpan(0, Count).CopyTo(ends);
            ArrayPool<int>.Shared.Return(_ends);
            _ends = ends;
        }
        var bytes = _bytes;
        if (_length + length > bytes.Length)
        {
            bytes = ArrayPool<byte>.Shared.Rent(Math.Max(_bytes.Length * 2, _length + length));
            _bytes.AsSpan(0, _length).CopyTo(bytes);
        }
        // Copied before the old buffer is returned: the key may be a span of this very page.
        key.CopyTo(bytes.AsSpan(_length));
        suffix.CopyTo(bytes.AsSpan(_length + key.Length));
        if (bytes != _bytes)
        {
            ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = bytes;
        }
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

    /// <summary>Copies of the keys as arrays, and the page disposed (for the paths that keep keys with what was read of them).</summary>
    public byte[][] TakeArrays()
    {
        using (this)
        {
            return ToArrays();
        }
    }

    /// <summary>Hands the page to a channel's reader, or, when the write fails or is cancelled, disposes it.</summary>
    public async ValueTask WriteToAsync(ChannelWriter<KeyPage> output, CancellationToken cancellationToken)
    {
        try
        {
            await output.WriteAsync(this, cancellationToken);
        }
        catch
        {
            Dispose();
            throw;
        }
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
}
