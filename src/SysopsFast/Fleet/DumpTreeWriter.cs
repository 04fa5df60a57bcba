using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace SysopsFast.Fleet;

/// <summary>
/// Writes one file of a dump tree without following a link planted in it (a link to /etc/shadow
/// where a file goes, a link to /etc where a directory does), which would let whoever prepared the
/// directory choose what root overwrites. Each directory on the way is opened from the one before
/// it with O_NOFOLLOW (openat); the file is created under a temporary name with O_EXCL and renamed
/// into place, which replaces a link there rather than writing through it. Linux only (libc).
/// </summary>
internal static partial class DumpTreeWriter
{
    // The errors that say the tree has another shape than the key needs; any other is the disk's.
    private const int EExist = 17;
    private const int ENotDir = 20;
    private const int EIsDir = 21;
    private const int ENotEmpty = 39;
    private const int ELoop = 40;



    /// <summary>timespec.tv_nsec that leaves a time as it is (utimensat(2)).</summary>
    private const long UtimeOmit = (1L << 30) - 2;

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="segments"/> under <paramref name="root"/>
    /// (which is created, and may itself be a link: the user named it) with the permission bits
    /// <paramref name="permissions"/> (0: the umask's) and mtime; null when written, else why the
    /// tree's shape does not let it be (a link or a file on the way, a directory in its place).
    /// </summary>
    /// <exception cref="IOException">The disk failed it (full, read-only, permission denied).</exception>
    public static string? Write(string root, IReadOnlyList<string> segments, ReadOnlySpan<byte> content, uint permissions, long mtimeUnixSeconds)
    {
        Directory.CreateDirectory(root);
        var dir = Check(Open(root, OpenFlags.ReadOnly | OpenFlags.Directory | OpenFlags.CloseOnExec), root);
        try
        {
            for (var i = 0; i < segments.Count - 1; i++)
            {
                if (MakeDirectoryAt(dir, segments[i], 0x1FF) != 0 && Marshal.GetLastPInvokeError() != EExist)
                {
                    return Problem(segments, i) ?? throw Failure(root, segments, i);
                }
                var next = OpenAt(dir, segments[i], OpenFlags.ReadOnly | OpenFlags.Directory | OpenFlags.NoFollow | OpenFlags.CloseOnExec, 0);
                if (next < 0)
                {
                    return Problem(segments, i) ?? throw Failure(root, segments, i);
                }
                _ = Close(dir);
                dir = next;
            }
            return WriteFileAt(dir, root, segments, content, permissions, mtimeUnixSeconds);
        }
        finally
        {
            _ = Close(dir);
        }
    }

    /// <summary>The last segment, in directory <paramref name="dir"/>: a new temporary file, filled, then renamed over the name.</summary>
    private static string? WriteFileAt(int dir, string root, IReadOnlyList<string> segments, ReadOnlySpan<byte> content, uint permissions, long mtimeUnixSeconds)
    {
        var last = segments.Count - 1;
        var temporary = ".sysops-fast-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var fd = OpenAt(dir, temporary, OpenFlags.WriteOnly | OpenFlags.Create | OpenFlags.Exclusive | OpenFlags.NoFollow | OpenFlags.CloseOnExec, permissions == 0 ? 0x1B6u : 0x180u);
        if (fd < 0)
        {
            throw Failure(root, segments, last);
        }
        var renamed = false;
        try
        {
            using (var file = new SafeFileHandle(fd, ownsHandle: true))
            {
                RandomAccess.Write(file, content, 0);
                SetModeAndTime(fd, root, segments, permissions, mtimeUnixSeconds);
            }
            renamed = RenameAt(dir, temporary, dir, segments[last]) == 0;
            return renamed ? null : Problem(segments, last) ?? throw Failure(root, segments, last);
        }
        finally
        {
            if (!renamed)
            {
                _ = UnlinkAt(dir, temporary, 0); // a half-written file would look like a real, shorter one
            }
        }
    }

    /// <summary>The recorded permission bits (the owner may always read and write its copy) and mtime, set through the open file.</summary>
    private static unsafe void SetModeAndTime(int fd, string root, IReadOnlyList<string> segments, uint permissions, long mtimeUnixSeconds)
    {
        if (permissions != 0 && ChangeMode(fd, permissions | 0x180) != 0)
        {
            throw Failure(root, segments, segments.Count - 1);
        }
        if (mtimeUnixSeconds > 0)
        {
            // struct timespec[2]: access time left as it is, then the modification time.
            long* times = stackalloc long[] { 0, UtimeOmit, mtimeUnixSeconds, 0 };
            if (FileTimes(fd, times) != 0)
            {
                throw Failure(root, segments, segments.Count - 1);
            }
        }
    }

    /// <summary>Why the tree's shape stops segment <paramref name="at"/>, from the last call's errno; null when the disk failed instead.</summary>
    private static string? Problem(IReadOnlyList<string> segments, int at)
    {
        var path = string.Join('/', segments.Take(at + 1));
        return Marshal.GetLastPInvokeError() switch
        {
            ELoop => $"'{path}' is a symbolic link, which dump never follows",
            ENotDir => $"'{path}' is not a directory (a file of another key, or one already there)",
            EIsDir or ENotEmpty or EExist => $"'{path}' is a directory (the path of another key, or one already there)",
            _ => null,
        };
    }

    private static IOException Failure(string root, IReadOnlyList<string> segments, int at) =>
        new(Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()) + $" ({Path.Combine([root, .. segments.Take(at + 1)])})");

    private static int Check(int fd, string path) =>
        fd >= 0 ? fd : throw new IOException(Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()) + $" ({path})");

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAt(int dir, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeDirectoryAt(int dir, string path, uint mode);

    [LibraryImport("libc", EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt(int fromDir, string from, int toDir, string to);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnlinkAt(int dir, string path, int flags);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    private static partial int ChangeMode(int fd, uint mode);

    [LibraryImport("libc", EntryPoint = "futimens", SetLastError = true)]
    private static unsafe partial int FileTimes(int fd, long* times);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
