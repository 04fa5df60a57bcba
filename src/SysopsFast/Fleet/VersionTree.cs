using System.Globalization;

namespace SysopsFast.Fleet;

/// <summary>
/// Where <c>dump --all-versions</c> puts the versions of an object (docs/FORMAT.md, "Keys and the
/// dump layout"): beside the object's file <c>&lt;tree path&gt;</c>, the directory
/// <c>&lt;tree path&gt;#history</c> holds one file per version kept, the current one included, named
/// by the time it was stored (Unix milliseconds). A tree path holds <c>#</c> only as the first
/// character of its first segment, so no object's path can be such a directory, and an import that
/// does not know the layout skips its files as paths naming no object.
/// </summary>
internal static class VersionTree
{
    /// <summary>What the last segment of an object's tree path is followed by to name its version directory.</summary>
    public const string Suffix = "#history";

    /// <summary>The segments of the file of the version stored at <paramref name="insertedMs"/> of the object dumped to <paramref name="objectSegments"/> (host first).</summary>
    public static string[] Segments(IReadOnlyList<string> objectSegments, long insertedMs) =>
        [.. objectSegments.Take(objectSegments.Count - 1), objectSegments[^1] + Suffix, insertedMs.ToString(CultureInfo.InvariantCulture)];

    /// <summary>
    /// Whether <paramref name="relative"/> (a path under a host directory) is in a version
    /// directory; then <paramref name="objectPath"/> is the object's own tree path and
    /// <paramref name="insertedMs"/> the version's time, or <paramref name="problem"/> says why the
    /// file's name is not one.
    /// </summary>
    public static bool TryParse(string relative, out string objectPath, out long insertedMs, out string? problem)
    {
        (objectPath, insertedMs, problem) = ("", 0, null);
        var slash = relative.LastIndexOf('/');
        if (slash <= Suffix.Length || !relative.AsSpan(0, slash).EndsWith(Suffix, StringComparison.Ordinal) || relative[slash - Suffix.Length - 1] == '/')
        {
            return false;
        }
        objectPath = relative[..(slash - Suffix.Length)];
        var name = relative[(slash + 1)..];
        if (!long.TryParse(name, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out insertedMs) || insertedMs.ToString(CultureInfo.InvariantCulture) != name)
        {
            problem = $"a file of a version directory ({Suffix}) must be named by its time in Unix milliseconds, not '{name}'";
        }
        return true;
    }
}
