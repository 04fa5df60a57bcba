using System.Globalization;
using SysopsFast.Redis;

namespace SysopsFast.Storm;

/// <summary>A report in the style of perf-results/: the date, machine, server and command first, then sections and tables.</summary>
internal sealed class MarkdownReport
{
    private readonly StringWriter _text = new(CultureInfo.InvariantCulture);

    public MarkdownReport(string title, ServerAddress server, string? redisVersion, string command)
    {
        Line($"# {title}");
        Line();
        Line($"- date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Line($"- machine: nproc {Environment.ProcessorCount}; {Kernel()}; {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (double)(1L << 30):F0} GiB RAM; .NET {Environment.Version}");
        Line($"- redis: v={redisVersion}, {server}, no persistence (bench/macro/setup.sh)");
        Line($"- command: `{command}`");
    }

    public void Line() => _text.WriteLine();

    /// <summary>A line, its numbers written the invariant way (plain strings would pick the current culture).</summary>
    public void Line(FormattableString text) => _text.WriteLine(F(text));

    /// <summary>An optional heading, then a table's head: the first column left-aligned, the others (numbers) right.</summary>
    public void Table(string? heading, params string[] columns)
    {
        Line();
        if (heading is not null)
        {
            Line($"## {heading}");
            Line();
        }
        Line($"| {string.Join(" | ", columns)} |");
        Line($"|---|{string.Concat(Enumerable.Repeat("---:|", columns.Length - 1))}");
    }

    public override string ToString() => _text.ToString();

    public static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Kernel() => File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : Environment.OSVersion.ToString();
}
