using static SysopsFast.Storm.MarkdownReport;

namespace SysopsFast.Storm;

/// <summary>A soak's markdown report; bench/macro/soak.sh appends the CLI-process part.</summary>
internal static class SoakReport
{
    public static string Write(SoakResult r, string command)
    {
        var o = r.Options;
        var w = new MarkdownReport(F($"Soak: the headline query for {o.Duration.TotalSeconds:F0} s in one process, {o.Hosts} hosts"), o.Server, r.RedisVersion, command);
        w.Line($"- tool: bench/SysopsFast.PushStorm soak (Release, JIT, the runtime's default GC): one FleetQuery, `GrepUniqAsync(sysctl-a, net.core.netdev_budget)` one query after the other; memory from /proc/self/status (VmRSS, VmHWM) and the GC");
        w.Line($"- fleet: `sysops-fast fleet generate --hosts {o.Hosts} --seed {o.Seed}`");
        w.Table(null, "when", "s", "queries", "RSS MiB", "peak RSS MiB", "GC heap MiB", "GC committed MiB", "allocated MiB", "gen2 GCs");
        foreach (var m in r.Memory)
        {
            w.Line($"| {m.When} | {m.Seconds:F0} | {m.Queries} | {m.RssKiB / 1024.0:F1} | {m.PeakRssKiB / 1024.0:F1} | {m.GcHeapBytes / 1048576.0:F1} | {m.GcCommittedBytes / 1048576.0:F1} | {m.AllocatedBytes / 1048576.0:F0} | {m.Gen2Collections} |");
        }
        var warm = r.Memory[1];
        var end = r.Memory[^1];
        w.Line();
        w.Line($"RSS: {warm.RssKiB / 1024.0:F1} MiB after the first query, {end.RssKiB / 1024.0:F1} MiB at the end ({Delta(warm, end)} over {end.Queries - warm.Queries} more queries), at most {end.PeakRssKiB / 1024.0:F1} MiB (VmHWM).");
        // The first minute includes the GC finding its working size; growth after it is what would leak.
        if (r.Memory.Count > 3)
        {
            var first = r.Memory[2];
            w.Line($"From the first periodic sample ({first.Seconds:F0} s, {first.Queries} queries) to the end: RSS {Delta(first, end)}, GC heap {(end.GcHeapBytes - first.GcHeapBytes) / 1048576.0:+0.0;-0.0} MiB.");
        }
        w.Line($"Allocated per query after the first: {(end.AllocatedBytes - warm.AllocatedBytes) / 1024.0 / Math.Max(1, end.Queries - warm.Queries):F0} KiB; gen2 collections: {end.Gen2Collections - warm.Gen2Collections}.");
        w.Line($"Query latency p50 / p95 / max: {LatencySummary.Of(r.Queries.Select(q => q.Milliseconds))} ms.");
        w.Line($"Answers: {r.Queries.Count - r.WrongAnswers} of {r.Queries.Count} equal the generator's expected answer: **{(r.WrongAnswers == 0 ? "PASSED" : "FAILED")}**.");
        if (r.Queries.FirstOrDefault(q => q.Problem is not null) is { } wrong)
        {
            w.Line();
            w.Line($"First wrong answer: {wrong.Problem}");
        }
        return w.ToString();
    }

    private static string Delta(ProcessMemory from, ProcessMemory to) => F($"{(to.RssKiB - from.RssKiB) / 1024.0:+0.0;-0.0} MiB");
}
