using System.Runtime.InteropServices;

namespace SysopsFast.Fleet;

/// <summary>
/// The owner of a file through Linux's <c>statx</c> (glibc 2.28+): .NET's FileInfo has the mode
/// but neither uid nor gid.
/// </summary>
internal static unsafe partial class Statx
{
    private const int AtFdCwd = -100;
    private const uint StatxUid = 0x8;
    private const uint StatxGid = 0x10;

    /// <summary>struct statx is 256 bytes whatever the architecture.</summary>
    private const int StructSize = 256;

    // Offsets in struct statx (linux/stat.h): stx_mask at 0x00, stx_uid at 0x14, stx_gid at 0x18.
    private const int MaskOffset = 0x00;
    private const int UidOffset = 0x14;
    private const int GidOffset = 0x18;

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxCall(int dirfd, string path, int flags, uint mask, byte* buffer);

    /// <summary>uid and gid of the file <paramref name="path"/> leads to (symlinks followed); (0, 0) when unknown.</summary>
    public static (uint Uid, uint Gid) OwnerOf(string path)
    {
        Span<byte> buffer = stackalloc byte[StructSize];
        buffer.Clear();
        int rc;
        try
        {
            fixed (byte* p = buffer)
            {
                // flags 0: follow symlinks, like stat(2).
                rc = StatxCall(AtFdCwd, path, 0, StatxUid | StatxGid, p);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return (0, 0); // not glibc 2.28+ on Linux: the owner stays unknown
        }
        // The kernel fills it in native byte order.
        var got = MemoryMarshal.Read<uint>(buffer[MaskOffset..]);
        if (rc != 0 || (got & (StatxUid | StatxGid)) != (StatxUid | StatxGid))
        {
            return (0, 0);
        }
        return (MemoryMarshal.Read<uint>(buffer[UidOffset..]), MemoryMarshal.Read<uint>(buffer[GidOffset..]));
    }
}
