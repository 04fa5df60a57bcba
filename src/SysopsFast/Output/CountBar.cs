using System.Globalization;

namespace SysopsFast.Output;

/// <summary>
/// How many of a whole, for a terminal: the count with thousands separators, a bar of block
/// characters (eighths of a cell) and a percentage of the whole.
/// </summary>
public static class CountBar
{
    /// <summary>Cells of a bar.</summary>
    public const int Width = 20;

    private static readonly string[] Eighths = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

    /// <summary>The count with thousands separators (<c>23,748</c>).</summary>
    public static string Count(long count) => count.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Exactly <see cref="Width"/> cells; a count over the whole draws a full bar.</summary>
    public static string Bar(long count, long whole)
    {
        var fraction = whole <= 0 ? 0 : Math.Clamp((double)count / whole, 0, 1);
        var eighths = (int)Math.Round(fraction * Width * 8);
        var full = eighths / 8;
        var bar = new string('█', full) + Eighths[eighths % 8];
        // A non-zero count never draws an empty bar.
        bar = bar.Length == 0 && count > 0 ? Eighths[1] : bar;
        return bar + new string(' ', Width - (full + (bar.Length > full ? 1 : 0)));
    }

    /// <summary>"99.0%", one decimal; "&lt;0.1%" for a small non-zero share.</summary>
    public static string Percent(long count, long whole)
    {
        if (whole <= 0)
        {
            return "";
        }
        var percent = 100.0 * count / whole;
        return percent is > 0 and < 0.05 ? "<0.1%" : percent.ToString("F1", CultureInfo.InvariantCulture) + "%";
    }
}
