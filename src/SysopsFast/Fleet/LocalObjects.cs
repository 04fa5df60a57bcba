namespace SysopsFast.Fleet;

/// <summary>Files on this machine as objects: enumeration that never loops.</summary>
internal static class LocalObjects
{
    /// <summary>
    /// Every entry under <paramref name="root"/> that is not a directory (regular files, symlinks,
    /// FIFOs, devices, sockets: the caller decides), with its path relative to root ('/'-separated)
    /// and what lstat says of it. Symlinked directories are not entered, so a link loop cannot make
    /// the walk endless.
    /// </summary>
    public static IEnumerable<(string FullPath, string Relative, FileStatus Status)> Files(string root)
    {
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                if (Statx.OfEntry(entry.FullName) is not { } status)
                {
                    continue; // removed since it was listed
                }
                if (status.IsDirectory)
                {
                    pending.Push(entry.FullName);
                    continue;
                }
                yield return (entry.FullName, Path.GetRelativePath(root, entry.FullName).Replace(Path.DirectorySeparatorChar, '/'), status);
            }
        }
    }
}
