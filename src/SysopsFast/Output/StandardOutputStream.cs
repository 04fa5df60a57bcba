using System.Runtime.InteropServices;

namespace SysopsFast.Output;

/// <summary>
/// File descriptor 1 written with write(2). The console's stream pretends that a write to a closed
/// pipe succeeded (a query whose reader is gone, <c>| head</c>, would fetch the rest for nobody), and
/// a FileStream over a file writes with pwrite at offsets of its own, leaving the shared file
/// offset where it was, so <c>{ sysops-fast …; sysops-fast …; } &gt; file</c> kept only the last
/// command's output. write(2) advances the offset the shell's commands share and reports EPIPE as
/// an IOException whose HResult is the errno, so that a caller can tell a reader that left.
/// </summary>
public sealed partial class StandardOutputStream : Stream
{
    private const int Eintr = 4;
    private const int Eagain = 11;

    private readonly int _descriptor;

    public StandardOutputStream()
        : this(1)
    {
    }

    /// <summary>Another descriptor written the same way (tests: a pipe whose reader is gone).</summary>
    internal StandardOutputStream(int descriptor) => _descriptor = descriptor;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var written = WriteCall(_descriptor, buffer, (nuint)buffer.Length);
            if (written >= 0)
            {
                buffer = buffer[(int)written..];
                continue;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Eagain)
            {
                // An output descriptor inherited as non-blocking (a full pipe): wait for room.
                Thread.Sleep(1);
            }
            else if (errno != Eintr)
            {
                throw new IOException($"writing to standard output failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteCall(int descriptor, ReadOnlySpan<byte> buffer, nuint count);
}
