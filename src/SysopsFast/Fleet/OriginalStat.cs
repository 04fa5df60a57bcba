using System.Globalization;
using System.Text.RegularExpressions;
using SysopsFast.Format;

namespace SysopsFast.Fleet;

/// <summary>
/// The stat element of an original sysops-api record: Python's <c>str(os.stat(path))</c>, such as
/// <c>posix.stat_result(st_mode=33188, st_ino=1234, st_dev=64768L, …, st_size=1332L, …, st_mtime=1369870000, …)</c>
/// (Python 2 marks longs with L; times may be floats; Python 3 says os.stat_result), the bare tuple of
/// old Pythons, or a sentence such as "No os.stat() is available…" for command outputs.
/// </summary>
internal static partial class OriginalStat
{
    // Fields of the tuple form, in os.stat's order.
    private const int TupleFields = 10;
    private const int TupleMode = 0;
    private const int TupleUid = 4;
    private const int TupleGid = 5;
    private const int TupleSize = 6;
    private const int TupleMtime = 8;

    [GeneratedRegex(@"\bst_(mode|uid|gid|size|mtime)=(-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)L?\b", RegexOptions.CultureInvariant)]
    private static partial Regex NamedField();

    /// <summary>Mode, uid, gid, size and mtime; zero for whatever the text does not give.</summary>
    public static FileStat Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return FileStat.None;
        }
        var t = text.Trim();
        if (t.Contains("stat_result(", StringComparison.Ordinal))
        {
            return ParseNamed(t);
        }
        return t.StartsWith('(') && t.EndsWith(')') ? ParseTuple(t[1..^1]) : FileStat.None;
    }

    private static FileStat ParseNamed(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in NamedField().Matches(text))
        {
            fields.TryAdd(m.Groups[1].Value, m.Groups[2].Value);
        }
        string? Field(string name) => fields.GetValueOrDefault(name);
        return Build(Field("mode"), Field("uid"), Field("gid"), Field("size"), Field("mtime"));
    }

    private static FileStat ParseTuple(string inner)
    {
        var parts = inner.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != TupleFields || !parts.All(p => Number(p) is not null))
        {
            return FileStat.None;
        }
        return Build(parts[TupleMode], parts[TupleUid], parts[TupleGid], parts[TupleSize], parts[TupleMtime]);
    }

    private static FileStat Build(string? mode, string? uid, string? gid, string? size, string? mtime) =>
        new(UInt(mode), UInt(uid), UInt(gid), Long(size), Long(mtime));

    /// <summary>A Python number (123, 123L, 1369870000.25, 1.3e9) as a double, or null.</summary>
    private static double? Number(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var digits = text.EndsWith('L') || text.EndsWith('l') ? text[..^1] : text;
        return double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;
    }

    // Out-of-range values are as good as unknown: zero.
    private static uint UInt(string? text) => Number(text) is { } v && v >= 0 && v <= uint.MaxValue ? (uint)v : 0;

    // Floor, so a float mtime of 1369870000.9 is second 1369870000, as st_mtime's integer part.
    private static long Long(string? text) => Number(text) is { } v && Math.Abs(v) < 9e18 ? (long)Math.Floor(v) : 0;
}
