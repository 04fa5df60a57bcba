using System.Globalization;

namespace SysopsFast.Storm;

/// <summary>This process's memory at one moment: resident set (from /proc/self/status) and the GC's view.</summary>
internal sealed record ProcessMemory(string When, double Seconds, long Queries, long RssKiB, long PeakRssKiB, long GcHeapBytes, long GcCommittedBytes, long AllocatedBytes, int Gen2Collections)
{
    public static ProcessMemory Sample(string when, TimeSpan elapsed, long queries)
    {
        var status = File.Exists("/proc/self/status") ? File.ReadAllLines("/proc/self/status") : [];
        return new ProcessMemory(when, elapsed.TotalSeconds, queries, KiB(status, "VmRSS:"), KiB(status, "VmHWM:"),
            GC.GetTotalMemory(forceFullCollection: false), GC.GetGCMemoryInfo().TotalCommittedBytes, GC.GetTotalAllocatedBytes(), GC.CollectionCount(2));
    }

    private static long KiB(string[] status, string field) =>
        status.FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal)) is { } line
            ? long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)
            : 0;
}
