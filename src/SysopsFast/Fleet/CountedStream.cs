namespace SysopsFast.Fleet;

/// <summary>A stream read once, front to back, that counts the bytes read: where a tar stream broke, for its message.</summary>
internal sealed class CountedStream(Stream inner) : Stream
{
    private long _read;

    /// <summary>Bytes read so far.</summary>
    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        _read += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
