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
public sealed partial class StandardOutputStream : WriteOnlyStream
{
    private const int Eintr = 4;
    private const int Eagain = 11;

    private readonly int _descriptor;

    /// <summary>Standard output (descriptor 1).</summary>
    public StandardOutputStream()
        : this(1)
    {
    }

    /// <summary>Another descriptor written the same way: standard error (2), or in tests a pipe whose reader is gone.</summary>
    public StandardOutputStream(int descriptor) => _descriptor = descriptor;

    /// <summary>Writes all of <paramref name="buffer"/>; a reader that left is an <see cref="IOException"/> (EPIPE).</summary>
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

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteCall(int descriptor, ReadOnlySpan<byte> buffer, nuint count);
}
