using System.Buffers;
using Microsoft.Win32.SafeHandles;
using SysopsFast.Format;

namespace SysopsFast.Push;

/// <summary>An object's contents as read within the size cap: its bytes, or, over the cap, only what its header says of them.</summary>
public sealed class ObjectContent
{
    private ObjectContent(byte[]? bytes, ContentSummary overCap)
    {
        Bytes = bytes;
        OverCap = overCap;
    }

    /// <summary>The contents; null when they were over the cap.</summary>
    public byte[]? Bytes { get; }

    /// <summary>Length, md5 and counts of contents over the cap (default otherwise).</summary>
    public ContentSummary OverCap { get; }

    /// <summary>The contents' length, also over the cap.</summary>
    public long Length => Bytes?.Length ?? OverCap.Length;

    /// <summary>Contents within the cap.</summary>
    public static ObjectContent Of(byte[] bytes) => new(bytes, default);

    /// <summary>Contents over the cap: only their summary is kept.</summary>
    public static ObjectContent Omitted(ContentSummary summary) => new(null, summary);
}

/// <summary>
/// Reads an object within the size cap: at most the cap (and one read buffer) is held in memory;
/// past the cap the rest is only counted and hashed, so its record can still say its length and md5.
/// </summary>
public static class ContentReader
{
    private const int ReadSize = 64 * 1024;

    /// <summary>
    /// An open file (<see cref="Fleet.RegularFileReader"/>) to its end, but never past
    /// <paramref name="length"/> bytes, its size when opened, when that is known (above 0:
    /// /proc's files say 0 and end all the same): a file that keeps growing cannot make a read endless.
    /// </summary>
    public static ObjectContent Read(SafeFileHandle file, long length, long sizeCap)
    {
        var content = new CappedContent(sizeCap, length > 0 ? length : null);
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            var limit = length > 0 ? length : long.MaxValue;
            long offset = 0;
            int n;
            while (offset < limit && (n = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(buffer.Length, limit - offset)), offset)) > 0)
            {
                content.Append(buffer.AsSpan(0, n));
                offset += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return content.Complete();
    }

    /// <summary>Contents already in memory (a JSON file's values), within the cap as a file's are.</summary>
    public static ObjectContent FromBytes(byte[] bytes, long sizeCap)
    {
        var content = new CappedContent(sizeCap, bytes.Length);
        content.Append(bytes);
        return content.Complete();
    }

    /// <summary>
    /// A stream of known <paramref name="length"/> (a tar entry's data) to its end: contents known to
    /// be over the cap are never buffered. A stream that ends early gives fewer bytes; the caller checks.
    /// </summary>
    internal static ObjectContent Read(Stream stream, long length, long sizeCap)
    {
        var content = new CappedContent(sizeCap, length);
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            int n;
            while ((n = stream.Read(buffer, 0, ReadSize)) > 0)
            {
                content.Append(buffer.AsSpan(0, n));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return content.Complete();
    }

    /// <summary>Reads <paramref name="stream"/> to its end, keeping at most <paramref name="sizeCap"/> bytes (beyond that, only the summary).</summary>
    public static async Task<ObjectContent> ReadAsync(Stream stream, long sizeCap, CancellationToken cancellationToken)
    {
        var content = new CappedContent(sizeCap, null);
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                content.Append(buffer.AsSpan(0, n));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return content.Complete();
    }

    /// <summary>The bytes until they pass the cap; then a <see cref="ContentCounter"/> over everything instead.</summary>
    private sealed class CappedContent
    {
        /// <summary>No record holds more than a reader takes, whatever cap a caller gives.</summary>
        private readonly long _cap;
        private byte[] _bytes;
        private int _length;
        private ContentCounter? _counter;

        /// <param name="length">The length to expect (a file's), if known: contents known to be over the cap are never buffered.</param>
        /// <param name="sizeCap">Contents over this many bytes are not kept, only summarised.</param>
        public CappedContent(long sizeCap, long? length)
        {
            _cap = Math.Clamp(sizeCap, 0, RecordDecoder.MaxRawLength);
            _counter = length > _cap ? new ContentCounter() : null;
            _bytes = _counter is null ? new byte[Math.Clamp(length ?? ReadSize, 0, _cap)] : [];
        }

        public void Append(ReadOnlySpan<byte> piece)
        {
            if (_counter is null && _length + (long)piece.Length <= _cap)
            {
                Reserve(_length + piece.Length);
                piece.CopyTo(_bytes.AsSpan(_length));
                _length += piece.Length;
                return;
            }
            if (_counter is null)
            {
                _counter = new ContentCounter();
                _counter.Add(_bytes.AsSpan(0, _length));
                _bytes = [];
            }
            _counter.Add(piece);
        }

        public ObjectContent Complete()
        {
            if (_counter is null)
            {
                return ObjectContent.Of(_length == _bytes.Length ? _bytes : _bytes[.._length]);
            }
            using (_counter)
            {
                return ObjectContent.Omitted(_counter.Complete());
            }
        }

        /// <summary>Room for <paramref name="length"/> bytes, growing by doubling but never past the cap.</summary>
        private void Reserve(int length)
        {
            if (length > _bytes.Length)
            {
                Array.Resize(ref _bytes, (int)Math.Min(Math.Max(length, 2L * _bytes.Length), _cap));
            }
        }
    }
}
