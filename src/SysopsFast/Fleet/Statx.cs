using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SysopsFast.Format;

namespace SysopsFast.Fleet;

/// <summary>What <c>statx</c> says of a file: its type and permission bits, owner, size, mtime and inode.</summary>
internal readonly record struct FileStatus(uint Mode, uint Uid, uint Gid, long Size, long MtimeUnixSeconds, ulong Inode)
{
    private const uint TypeMask = 0xF000;

    public bool IsRegular => (Mode & TypeMask) == 0x8000;

    public bool IsDirectory => (Mode & TypeMask) == 0x4000;

    public bool IsSymlink => (Mode & TypeMask) == 0xA000;

    /// <summary>The file type in words, for a line that says why a file was not read.</summary>
    public string Kind => (Mode & TypeMask) switch
    {
        0x8000 => "a regular file",
        0x4000 => "a directory",
        0xA000 => "a symbolic link",
        0x1000 => "a FIFO",
        0x2000 => "a character device",
        0x6000 => "a block device",
        0xC000 => "a socket",
        _ => "not a regular file",
    };

    public FileStat ToFileStat() => new(Mode, Uid, Gid, Size, MtimeUnixSeconds);
}

/// <summary>
/// Linux's <c>statx</c> (glibc 2.28+), whose struct has one layout on every architecture: .NET's
/// FileInfo has neither uid, gid nor the file type (FIFO, device, socket).
/// </summary>
internal static unsafe partial class Statx
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;

    /// <summary>STATX_TYPE | MODE | UID | GID | MTIME | INO | SIZE.</summary>
    private const uint Wanted = 0x1 | 0x2 | 0x8 | 0x10 | 0x40 | 0x100 | 0x200;

    /// <summary>struct statx is 256 bytes whatever the architecture.</summary>
    private const int StructSize = 256;

    // Offsets in struct statx (linux/stat.h).
    private const int UidOffset = 0x14;
    private const int GidOffset = 0x18;
    private const int ModeOffset = 0x1C;
    private const int InodeOffset = 0x20;
    private const int SizeOffset = 0x28;
    private const int MtimeOffset = 0x70;

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatxCall(int dirfd, string path, int flags, uint mask, byte* buffer);

    /// <summary>The directory entry <paramref name="path"/> itself (a link is not followed); null when there is none.</summary>
    public static FileStatus? OfEntry(string path) => Call(AtFdCwd, path, AtSymlinkNoFollow, path);

    /// <summary>The file <paramref name="file"/> has open (fstat).</summary>
    public static FileStatus Of(SafeFileHandle file, string path) =>
        Call((int)file.DangerousGetHandle(), "", AtEmptyPath, path) ?? throw new IOException($"{path}: no longer exists");

    private static FileStatus? Call(int dirfd, string path, int flags, string shownPath)
    {
        Span<byte> buffer = stackalloc byte[StructSize];
        buffer.Clear();
        int rc;
        fixed (byte* p = buffer)
        {
            rc = StatxCall(dirfd, path, flags, Wanted, p);
        }
        if (rc != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENOENT or ENOTDIR ? null : throw Failure(errno, shownPath);
        }
        // The kernel fills it in native byte order.
        return new FileStatus(
            MemoryMarshal.Read<ushort>(buffer[ModeOffset..]),
            MemoryMarshal.Read<uint>(buffer[UidOffset..]),
            MemoryMarshal.Read<uint>(buffer[GidOffset..]),
            MemoryMarshal.Read<long>(buffer[SizeOffset..]),
            MemoryMarshal.Read<long>(buffer[MtimeOffset..]),
            MemoryMarshal.Read<ulong>(buffer[InodeOffset..]));
    }

    /// <summary>An errno as the exception .NET's own file calls throw: permission problems apart from the rest.</summary>
    public static Exception Failure(int errno, string path)
    {
        const int EPERM = 1, EACCES = 13;
        var message = $"{path}: {Marshal.GetPInvokeErrorMessage(errno)}";
        return errno is EPERM or EACCES ? new UnauthorizedAccessException(message) : new IOException(message);
    }
}
