namespace SysopsFast.Fleet;

/// <summary>
/// A tar entry's path as a dump tree's (<c>./&lt;host&gt;/&lt;tree path&gt;</c>, or without the
/// <c>./</c>): its host directory, and the tree path below it (null for the host's own directory,
/// or a file beside the host directories).
/// </summary>
internal readonly record struct TarPath(string? Host, string? TreePath)
{
    /// <summary>The entry's host and tree path; null, with <paramref name="problem"/>, for a path that could lead out of the tree.</summary>
    /// <param name="name">The entry's name, as the archive gives it.</param>
    /// <param name="directory">A directory entry, whose name ends in '/'.</param>
    /// <param name="problem">Why the path is refused.</param>
    public static TarPath? Split(string name, bool directory, out string? problem)
    {
        problem = name.Contains('\0', StringComparison.Ordinal) ? "its name holds a NUL character"
            : name.StartsWith('/') ? "an absolute path, which leads out of the archive's tree"
            : null;
        if (problem is not null)
        {
            return null;
        }
        var segments = (directory ? name.TrimEnd('/') : name).Split('/');
        // `tar -C DIR -c .` names every entry ./<host>/…, the root itself ./
        var start = 0;
        while (start < segments.Length && segments[start] == ".")
        {
            start++;
        }
        var rest = segments[start..];
        if (rest.Any(s => s is "" or "." or ".."))
        {
            problem = "its path has an empty, '.' or '..' segment, which could lead out of the archive's tree";
            return null;
        }
        return rest.Length switch
        {
            0 => new TarPath(null, null),
            1 => new TarPath(rest[0], null),
            _ => new TarPath(rest[0], string.Join('/', rest[1..])),
        };
    }
}
