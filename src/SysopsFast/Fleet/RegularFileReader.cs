using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SysopsFast.Format;
using SysopsFast.Push;

namespace SysopsFast.Fleet;

/// <summary>A local file as read: its contents within the cap and its stat; or, when it was not read, why.</summary>
internal readonly record struct LocalRead(ObjectContent? Content, FileStat Stat, string? NotRead)
{
    public static LocalRead Refused(string why) => new(null, default, why);
}

/// <summary>
/// The one way <c>import</c> and <c>push</c> open a local file. Opened without following a link
/// (O_NOFOLLOW), without blocking on a FIFO and without taking a terminal (O_NONBLOCK, O_NOCTTY);
/// then fstat must say it is a regular file, and the kernel's name for what was opened must be the
/// real path the caller expected (no link swapped in on the way). Only then is it read, through a
/// pooled buffer, within the cap (<see cref="ContentReader"/>), and never past the size it had
/// when opened: a FIFO, a device or a file that keeps growing cannot make a read endless.
/// </summary>
internal static partial class RegularFileReader
{
    private const int ELOOP = 40;

    // open(2) is variadic; its mode argument is only read with O_CREAT, which is never given here.
    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    /// <summary>The regular file a link leads to (<see cref="LinkResolver"/>); anything else is not opened.</summary>
    public static LocalRead Read(ResolvedPath target, long sizeCap) =>
        target.RealPath is { } real ? Read(real, real, target.Status, sizeCap) : LocalRead.Refused(target.Refusal!);

    /// <param name="path">Where to open it; its last component is never followed.</param>
    /// <param name="realPath">The path the opened file must have, every link resolved (<see cref="LinkResolver"/>).</param>
    /// <param name="status">What lstat said of it: anything but a regular file (a FIFO, a device) is not even opened.</param>
    /// <exception cref="IOException">It could not be opened or read.</exception>
    /// <exception cref="UnauthorizedAccessException">It may not be read.</exception>
    /// <param name="sizeCap">Contents past this many bytes are not kept, only counted and hashed (the object is stored omitted).</param>
    public static LocalRead Read(string path, string realPath, FileStatus status, long sizeCap)
    {
        if (!status.IsRegular)
        {
            return NotRegular(status);
        }
        var fd = Open(path, OpenFlags.ReadOnly | OpenFlags.NoFollow | OpenFlags.NonBlocking | OpenFlags.NoControllingTerminal | OpenFlags.CloseOnExec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == ELOOP ? LocalRead.Refused("is a symbolic link") : throw Statx.Failure(errno, path);
        }
        using var file = new SafeFileHandle(fd, ownsHandle: true);
        status = Statx.Of(file, path);
        if (!status.IsRegular)
        {
            return NotRegular(status); // it was swapped since lstat
        }
        var opened = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
        if (opened != realPath)
        {
            return LocalRead.Refused($"changed while it was opened (it is now {opened ?? "unknown"}, not {realPath})");
        }
        return new LocalRead(ContentReader.Read(file, status.Size, sizeCap), status.ToFileStat(), null);
    }

    private static LocalRead NotRegular(FileStatus status) => LocalRead.Refused($"is {status.Kind}, not a regular file");
}
