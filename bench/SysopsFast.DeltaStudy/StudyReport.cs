using System.Globalization;
using System.Runtime.InteropServices;
using SysopsFast.Format;

namespace SysopsFast.DeltaStudy;

/// <summary>The study's Markdown tables.</summary>
internal sealed class StudyReport(TextWriter output)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public void Machine(StudyOptions options, string load)
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        Line($"- hosts {options.Hosts:N0}, seed {options.Seed}, headline runs {options.Runs}; {Environment.ProcessorCount} cores ({cpu}), {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}");
        Line($"- /proc/loadavg at start: {load}");
    }

    public void Sizes(List<ObjectSizes> objects, Dictionary<string, CompressionDictionary> dictionaries)
    {
        Line("\n### Bytes per host per object (means; record = 120-byte header + payload)\n");
        Line("| object | raw | today's record | (a) lines | (b) prefix+tail | (c) (b)+zstd | smaller of (b) and today's | hosts taking (b) | ops/host mean / p99 / max | literal bytes/host mean / max | edited + inserted lines/host | base: sample, lines, bytes |");
        Line("|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|");
        foreach (var o in objects)
        {
            var h = o.Hosts;
            int Record(in HostForms x, DeltaForm f) => RecordHeader.Size + x.Deltas[(int)f].Length;
            var taking = h.Count(x => Record(x, DeltaForm.Tails) < x.Today.Length) / (double)h.Length;
            var ops = h.Select(x => x.Ops).Order().ToArray();
            Line($"| {o.Name} | {Mean(h, x => x.RawLength)} | {Mean(h, x => x.Today.Length)} | {Mean(h, x => Record(x, DeltaForm.Lines))} | {Mean(h, x => Record(x, DeltaForm.Tails))} | {Mean(h, x => Record(x, DeltaForm.PackedTails))} | {Mean(h, x => StoredFleet.Size(x, DeltaForm.Tails))} | {taking:P1} | {ops.Average():F1} / {ops[(int)(ops.Length * 0.99)]} / {ops[^1]} | {Mean(h, x => x.Literals)} / {h.Max(x => x.Literals)} | {h.Average(x => x.Edited):F1} + {h.Average(x => x.Inserted):F1} | {o.BaseSample}, {o.Base.Lines.Count}, {o.Base.Lines.Text.Length} |");
        }
        double Total(Func<HostForms, int> size) => objects.Sum(o => o.Hosts.Average(x => (double)size(x)));
        Line($"| **all 10** | {Total(x => x.RawLength):F0} | {Total(x => x.Today.Length):F0} | {Total(x => RecordHeader.Size + x.Deltas[0].Length):F0} | {Total(x => RecordHeader.Size + x.Deltas[1].Length):F0} | {Total(x => RecordHeader.Size + x.Deltas[2].Length):F0} | {Total(x => StoredFleet.Size(x, DeltaForm.Tails)):F0} | | | | | |");
        Line($"\nPer core, once: dictionaries {dictionaries.Values.Sum(d => d.Bytes.Length):N0} bytes; bases {objects.Sum(o => o.Base.Lines.Text.Length):N0} bytes raw.");
        Line($"Smaller of (c) and today's, all 10: {Total(x => StoredFleet.Size(x, DeltaForm.PackedTails)):F0} bytes per host.");
        double Compact(DeltaForm f) => objects.Sum(o => o.Hosts.Average(x => (double)StoredFleet.Size(x, f, StoredFleet.HeaderSize(o.Name, compact: true))));
        Line($"With a compact delta header (64 bytes, 92 for files), the smaller of it and today's, all 10: (b) {Compact(DeltaForm.Tails):F0}, (c) {Compact(DeltaForm.PackedTails):F0} bytes per host.");
    }

    public void Headline(List<HeadlineRun> runs, string load)
    {
        Line("\n### Headline over sysctl-a records in memory, one thread (no Redis, no pipeline)\n");
        Line("| way | median | fastest | bytes read (all hosts) | lines matched or tested | answer exact |");
        Line("|---|---:|---:|---:|---:|---|");
        foreach (var r in runs)
        {
            Line($"| {r.Way} | {r.Median.TotalMilliseconds:F1} ms | {r.Fastest.TotalMilliseconds:F1} ms | {r.BytesRead:N0} | {r.LinesTested:N0} | {(r.Exact ? "yes" : "**no**")} |");
        }
        Line($"\n/proc/loadavg after the headline runs: {load}");
    }

    public void Hostile(List<HostileInputs.Outcome> outcomes)
    {
        Line("\n### Damaged sysctl-a payloads (every truncation and 400 random byte changes of 50 hosts' payloads)\n");
        Line("| form | payloads tried | read as corrupt | decoded | decoded to other contents (the md5 check's catch) |");
        Line("|---|---:|---:|---:|---:|");
        foreach (var o in outcomes)
        {
            Line($"| {HeadlineTiming.Describe(o.Form)} | {o.Tried:N0} | {o.Corrupt:N0} | {o.Decoded:N0} | {o.DecodedWrong:N0} |");
        }
    }

    public void Redis(string version, List<RedisLoad> loads, int hosts)
    {
        Line($"\n### A real redis-server {version} (loaded into an empty server; INFO memory used_memory delta; no key catalog)\n");
        Line("| stored | keys | value bytes | used_memory | per host | vs today | overhead per key |");
        Line("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var l in loads)
        {
            Line($"| {l.What} | {l.Keys:N0} | {l.ValueBytes:N0} | {l.UsedMemory:N0} | {l.UsedMemory / (double)hosts:N0} | {l.UsedMemory / (double)loads[0].UsedMemory:P1} | {l.OverheadPerKey:F0} |");
        }
    }

    private static string Mean(HostForms[] hosts, Func<HostForms, int> size) => hosts.Average(x => (double)size(x)).ToString("F0", Invariant);

    private void Line(FormattableString text) => output.WriteLine(text.ToString(Invariant));

    private void Line(string text) => output.WriteLine(text);
}
