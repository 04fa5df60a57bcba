namespace SysopsFast;

/// <summary>
/// A write-only stream whose every way of writing ends in <see cref="Write(ReadOnlySpan{byte})"/>,
/// synchronously (standard output and error, whose writes do not block for long).
/// </summary>
public abstract class WriteOnlyStream : Stream
{
    /// <summary>Where every write ends.</summary>
    public abstract override void Write(ReadOnlySpan<byte> buffer);

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override void WriteByte(byte value) => Write([value]);

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    /// <summary>Nothing is buffered here; a stream over another flushes that one.</summary>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Flush();
        return Task.CompletedTask;
    }

    /// <summary>Always false.</summary>
    public override bool CanRead => false;
    /// <summary>Always false.</summary>
    public override bool CanSeek => false;
    /// <summary>Always true.</summary>
    public override bool CanWrite => true;
    /// <summary>Not supported.</summary>
    public override long Length => throw new NotSupportedException();
    /// <summary>Not supported.</summary>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    /// <summary>Not supported.</summary>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    /// <summary>Not supported.</summary>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <summary>Not supported.</summary>
    public override void SetLength(long value) => throw new NotSupportedException();
}
