using System.Diagnostics;
using System.Text;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;

namespace SysopsFast.DeltaStudy;

/// <summary>One way of answering the headline over every host's record in memory: its time (median of runs) and work.</summary>
internal sealed record HeadlineRun(string Way, TimeSpan Median, TimeSpan Fastest, long BytesRead, long LinesTested, bool Exact);

/// <summary>
/// The headline (<c>grep sysctl-a net.core.netdev_budget --uniq</c>) on one thread over records
/// already in memory (no Redis, no pipeline): today's decode and grep (RecordDecoder, the product's
/// matcher and UniqCountSink), beside each delta form's walk. Every answer is checked against the
/// generator's own.
/// </summary>
internal static class HeadlineTiming
{
    public static List<HeadlineRun> Run(SyntheticFleet fleet, ObjectSizes sysctl, CompressionDictionary dictionary, int runs)
    {
        var expected = fleet.ExpectedUniq().ToDictionary(c => c.Line, c => c.Count, StringComparer.Ordinal);
        var results = new List<HeadlineRun> { Time("today: decode + grep (ZstdDictionary)", runs, expected, () => Today(sysctl, dictionary)) };
        foreach (var (form, f) in ObjectSizes.Forms.Select((form, f) => (form, f)))
        {
            results.Add(Time($"delta {Describe(form)}", runs, expected, () => Delta(sysctl, f, form, dictionary)));
        }
        return results;
    }

    public static string Describe(DeltaForm form) => form switch
    {
        DeltaForm.Lines => "(a) lines",
        DeltaForm.Tails => "(b) kept prefix + tail",
        _ => "(c) (b), literals zstd+dict",
    };

    private static HeadlineRun Time(string way, int runs, Dictionary<string, long> expected, Func<(Dictionary<string, long> Counts, long Bytes, long Tested)> query)
    {
        var times = new List<TimeSpan>();
        (Dictionary<string, long> Counts, long Bytes, long Tested) answer = default;
        for (var r = 0; r < runs; r++)
        {
            var clock = Stopwatch.StartNew();
            answer = query();
            times.Add(clock.Elapsed);
        }
        times.Sort();
        var exact = answer.Counts is { } counts && counts.Count == expected.Count && counts.All(c => expected.GetValueOrDefault(c.Key) == c.Value);
        return new HeadlineRun(way, times[times.Count / 2], times[0], answer.Bytes, answer.Tested, exact);
    }

    private static IMatcher Matcher() => MatcherFactory.Create(SyntheticFleet.HeadlinePattern, regex: true, ignoreCase: false);

    private static (Dictionary<string, long>, long, long) Today(ObjectSizes sysctl, CompressionDictionary dictionary)
    {
        using var dictionaries = new CompressionDictionaries();
        dictionaries.TryAdd(dictionary.Id, dictionary.Bytes);
        using var decoder = new RecordDecoder(dictionaries);
        var matcher = Matcher();
        var sink = new UniqCountSink();
        long bytes = 0;
        long lines = 0;
        foreach (var host in sysctl.Hosts)
        {
            if (!decoder.TryDecode(host.Today, out var header, out var content, out var error))
            {
                throw new InvalidOperationException(error);
            }
            LineSearcher.Search(content, matcher, false, sink);
            bytes += content.Length;
            lines += header.Lines;
        }
        return (Counts(sink), bytes, lines);
    }

    private static (Dictionary<string, long>, long, long) Delta(ObjectSizes sysctl, int f, DeltaForm form, CompressionDictionary dictionary)
    {
        var matcher = Matcher();
        var sink = new UniqCountSink();
        using var unpack = form == DeltaForm.PackedTails ? dictionary.CreateDecompressor() : null;
        var grep = new DeltaGrep(new BaseMatches(sysctl.Base, matcher), matcher, form, unpack, sink);
        long bytes = sysctl.Base.Lines.Text.Length;
        foreach (var host in sysctl.Hosts)
        {
            if (grep.Search(host.Deltas[f], host.RawLength) < 0)
            {
                throw new InvalidOperationException($"{form}: a record reads as corrupt");
            }
            bytes += host.Deltas[f].Length;
        }
        var counts = Counts(sink);
        grep.AddBaseCounts(counts);
        return (counts, bytes, grep.LinesTested + sysctl.Base.Lines.Count);
    }

    private static Dictionary<string, long> Counts(UniqCountSink sink) =>
        sink.Counts.ToDictionary(c => Encoding.UTF8.GetString(c.Key), c => c.Value, StringComparer.Ordinal);
}
