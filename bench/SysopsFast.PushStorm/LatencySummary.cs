using System.Globalization;

namespace SysopsFast.Storm;

/// <summary>Nearest-rank percentiles of a set of durations, in milliseconds.</summary>
internal readonly record struct LatencySummary(int Count, double P50, double P95, double Max)
{
    public static LatencySummary Of(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        return sorted.Length == 0 ? default : new(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.95), sorted[^1]);
    }

    private static double Rank(double[] sorted, double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>"p50 / p95 / max" for a report's table cell.</summary>
    public override string ToString() => Count == 0
        ? "–"
        : string.Create(CultureInfo.InvariantCulture, $"{P50:F1} / {P95:F1} / {Max:F1}");
}
