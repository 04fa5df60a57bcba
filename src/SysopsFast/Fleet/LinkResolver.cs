using System.Runtime.InteropServices;

namespace SysopsFast.Fleet;

/// <summary>A path with every link on the way resolved (as realpath(3)) and what lstat says of the file there; or why it has none.</summary>
internal readonly record struct ResolvedPath(string? RealPath, FileStatus Status, string? Refusal)
{
    public static ResolvedPath Refused(string why) => new(null, default, why);
}

/// <summary>
/// Resolves a path one component at a time, as the kernel does, so that a rule about where a file
/// may be (the deny-list, "inside DIR") sees the file's real path, not the name of a link or of a
/// directory symlink on the way. Magic links are refused: the links under <c>/proc/&lt;pid&gt;/</c>
/// (<c>root</c>, <c>cwd</c>, <c>exe</c>, <c>fd/*</c>, <c>map_files/*</c>…) lead into a process's
/// own view of the system, whatever their text says. /proc's own top-level links
/// (<c>/proc/self</c>, <c>/proc/mounts</c>) are ordinary ones.
/// </summary>
internal static unsafe partial class LinkResolver
{
    /// <summary>Linux's MAXSYMLINKS.</summary>
    private const int MaxLinks = 40;
    private const long ProcSuperMagic = 0x9fa0;

    /// <summary>procfs gives its root directory inode 1 (PROC_ROOT_INO).</summary>
    private const ulong ProcRootInode = 1;

    [LibraryImport("libc", EntryPoint = "statfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatFs(string path, byte* buffer);

    /// <exception cref="IOException">A component could not be looked at.</exception>
    /// <exception cref="UnauthorizedAccessException">A directory on the way may not be searched.</exception>
    public static ResolvedPath Resolve(string path)
    {
        var resolved = new List<string>();
        var pending = new Stack<string>();
        Push(pending, Path.IsPathRooted(path) ? path : Path.Join(Environment.CurrentDirectory, path));
        var links = 0;
        FileStatus last = default;
        while (pending.TryPop(out var name))
        {
            if (name is "" or ".")
            {
                continue;
            }
            if (name == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }
                continue;
            }
            var parent = Join(resolved);
            resolved.Add(name);
            var current = Join(resolved);
            var status = Statx.OfEntry(current);
            if (status is null)
            {
                return ResolvedPath.Refused("leads to nothing");
            }
            if (!status.Value.IsSymlink)
            {
                last = status.Value;
                continue;
            }
            if (++links > MaxLinks)
            {
                return ResolvedPath.Refused("leads through too many levels of symbolic links");
            }
            if (IsMagic(parent))
            {
                return ResolvedPath.Refused($"leads through {current}, a magic link of /proc into a process's view of the system");
            }
            var target = new FileInfo(current).LinkTarget ?? throw new IOException($"{current}: changed while it was resolved");
            resolved.RemoveAt(resolved.Count - 1);
            if (Path.IsPathRooted(target))
            {
                resolved.Clear();
            }
            Push(pending, target);
        }
        return new(Join(resolved), last, null);
    }

    /// <summary>Whether <paramref name="path"/> is below <paramref name="directory"/> (both real paths).</summary>
    public static bool IsInside(string path, string directory) =>
        path.StartsWith(directory.TrimEnd('/') + "/", StringComparison.Ordinal);

    /// <summary>The components of <paramref name="path"/>, so that they pop first to last.</summary>
    private static void Push(Stack<string> pending, string path)
    {
        var names = path.Split('/');
        for (var i = names.Length - 1; i >= 0; i--)
        {
            pending.Push(names[i]);
        }
    }

    private static string Join(List<string> names) => "/" + string.Join('/', names);

    /// <summary>A link in a procfs directory other than its root: one of a process's magic links.</summary>
    private static bool IsMagic(string directory)
    {
        Span<byte> buffer = stackalloc byte[256];
        buffer.Clear();
        int rc;
        fixed (byte* p = buffer)
        {
            rc = StatFs(directory, p);
        }
        if (rc != 0)
        {
            throw Statx.Failure(Marshal.GetLastPInvokeError(), directory);
        }
        // f_type is the first field of struct statfs, a C long.
        return MemoryMarshal.Read<nint>(buffer) == ProcSuperMagic && Statx.OfEntry(directory)?.Inode != ProcRootInode;
    }
}
