using System.Globalization;
using SysopsFast.Format;

namespace SysopsFast.Config;

/// <summary>Sizes such as 10MiB, 512K, 1G or a number of bytes (binary multiples: K = KiB = 1024).</summary>
public static class ByteSizeParser
{
    private static readonly (string Suffix, long Factor)[] Suffixes =
    [
        ("kib", 1L << 10), ("mib", 1L << 20), ("gib", 1L << 30),
        ("kb", 1L << 10), ("mb", 1L << 20), ("gb", 1L << 30),
        ("k", 1L << 10), ("m", 1L << 20), ("g", 1L << 30),
        ("b", 1),
    ];

    /// <summary>An object size cap: from 0 to the largest record a reader takes (<see cref="RecordDecoder.MaxRawLength"/>).</summary>
    public static long ParseSizeCap(string text)
    {
        var size = Parse(text);
        return size <= RecordDecoder.MaxRawLength
            ? size
            : throw Errors.BadArgument($"'{text}' is over {RecordDecoder.MaxRawLength >> 20} MiB, the largest object a reader takes; give a smaller size");
    }

    /// <summary>A size as written by a user (<c>10MiB</c>, <c>512k</c>, a plain number of bytes); throws <see cref="SysopsFastException"/> for anything else.</summary>
    public static long Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        var (suffix, factor) = Suffixes.FirstOrDefault(s => t.EndsWith(s.Suffix, StringComparison.Ordinal), ("", 1));
        var number = t[..^suffix.Length].TrimEnd();
        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) || n > long.MaxValue / factor)
        {
            throw Errors.BadArgument($"'{text}' is not a size; write it as a number of bytes, or with K, M or G (KiB, MiB, GiB)");
        }
        return (long)decimal.Floor(n * factor);
    }
}
