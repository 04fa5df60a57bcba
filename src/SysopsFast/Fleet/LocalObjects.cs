using SysopsFast.Format;

namespace SysopsFast.Fleet;

/// <summary>Files on this machine as objects: enumeration that never loops, and their stat.</summary>
internal static class LocalObjects
{
    /// <summary>
    /// Regular files under <paramref name="root"/>, and symlinks that resolve to regular files, with
    /// their path relative to root ('/'-separated). Symlinked directories are not entered, so a link
    /// loop cannot make the walk endless.
    /// </summary>
    public static IEnumerable<(string FullPath, string Relative, bool IsLink)> Files(string root)
    {
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(root, entry.FullName).Replace(Path.DirectorySeparatorChar, '/');
                if (entry.LinkTarget is not null)
                {
                    if (entry.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true })
                    {
                        yield return (entry.FullName, relative, true);
                    }
                    continue;
                }
                if (entry is DirectoryInfo)
                {
                    pending.Push(entry.FullName);
                }
                else if (entry is FileInfo)
                {
                    yield return (entry.FullName, relative, false);
                }
            }
        }
    }

    /// <summary>Mode (file type and permission bits), owner, size and mtime of the file a path leads to.</summary>
    public static FileStat StatOf(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null && info.ResolveLinkTarget(true) is FileInfo target)
        {
            info = target;
        }
        const uint regularFile = 0x8000;
        var (uid, gid) = Statx.OwnerOf(info.FullName);
        return new FileStat(regularFile | (uint)info.UnixFileMode, uid, gid, info.Length, new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeSeconds());
    }
}
