using System.Buffers;
using System.Text;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Output;
using SysopsFast.Pipeline;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>
/// Runs one grep case through every code path that can reach a matcher: the value as one span; the
/// value split into two segments at every offset (a reply straddling receive buffers); the value
/// stored as a record with each codec and decoded; and the whole in-memory pipeline with several
/// workers. Every path must select exactly the expected lines.
/// </summary>
internal static class GrepCaseRunner
{
    public static void Check(string value, string pattern, string[] expected, bool regex = false, bool ignoreCase = false, bool invert = false)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var matcher = MatcherFactory.Create(pattern, regex, ignoreCase);

        Assert.Equal(expected, Run(s => LineSearcher.Search(bytes, matcher, invert, s)));

        byte[] scratch = [];
        for (var split = 0; split <= bytes.Length; split++)
        {
            var seq = TwoSegments(bytes, split);
            var got = Run(s => LineSearcher.Search(seq, matcher, invert, s, ref scratch));
            Assert.True(expected.SequenceEqual(got), $"split at {split}: got [{string.Join("|", got)}]");
        }

        using var decoder = TestCodecs.Decoder();
        foreach (var codec in TestCodecs.All)
        {
            var record = TestCodecs.Encode(bytes, FileStat.None, 1, codec);
            Assert.True(decoder.TryDecode(record, out _, out var content, out var error), error);
            var contentCopy = content.ToArray();
            Assert.Equal(expected, Run(s => LineSearcher.Search(contentCopy, matcher, invert, s)));
        }

        CheckLineDeltas(bytes, matcher, invert, expected);

        // Through the whole pipeline, several workers: 7 records of today's codecs and one line delta record per base.
        var bases = DeltaCases.BasesFor(bytes);
        var records = Enumerable.Range(0, 7).Select(i => ($"host{i}#cmd/x", TestCodecs.Encode(bytes, FileStat.None, 1, TestCodecs.All[i % TestCodecs.All.Length])))
            .Concat(bases.Select((b, i) => ($"delta{i}#cmd/x", RecordEncoder.EncodeLineDelta(bytes, FileStat.None, 1, new LineDeltaEncoder(b))!))).ToList();
        var dictionaries = new CompressionDictionaries();
        dictionaries.TryAdd(TestCodecs.Dictionary.Id, TestCodecs.Dictionary.Bytes);
        foreach (var b in bases)
        {
            dictionaries.Bases.Add(b);
        }
        var sinks = new UniqCountSinkFactory();
        var processors = new GrepRecordProcessorFactory(matcher, invert, sinks);
        var summary = ExtractPipeline.RunAsync(new MemoryRecordSource(records.Select(r => (r.Item1, (byte[]?)r.Item2)), 2) { Dictionaries = dictionaries }, processors, new ExtractOptions { Workers = 3 }, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Empty(summary.Corrupt);
        Assert.Equal(bases.Count, summary.LineDeltaRecordsRead);
        var expectedCounts = expected.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count() * (7L + bases.Count));
        Assert.Equal(expectedCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal), sinks.Result.ToDictionary(r => r.Line, r => r.Count).OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    /// <summary>
    /// The value as line delta records against every base of <see cref="DeltaCases"/>, searched from
    /// their ops: the lines in order, numbered and cut by -m as the context searcher does, counted
    /// (-c), and counted per distinct line over 7 records (--uniq's difference array).
    /// </summary>
    private static void CheckLineDeltas(byte[] bytes, IMatcher matcher, bool invert, string[] expected)
    {
        foreach (var lineBase in DeltaCases.BasesFor(bytes))
        {
            var payload = new LineDeltaEncoder(lineBase).Encode(bytes)!;
            var what = $"against base {Convert.ToHexString(lineBase.Contents)}";
            var got = Run(s => DeltaCases.Search(payload, lineBase, bytes.Length, matcher, invert, s));
            Assert.True(expected.SequenceEqual(got), $"{what}: got [{string.Join("|", got)}]");
            for (var m = 0; m <= expected.Length + 1; m++)
            {
                var limits = new SelectionLimits { MaxCount = m };
                var decoded = new NumberedSink();
                var ops = new NumberedSink();
                Assert.Equal(ContextSearcher.Search(bytes, matcher, invert, limits, decoded), DeltaCases.Search(payload, lineBase, bytes.Length, matcher, invert, ops, limits));
                Assert.Equal(decoded.Lines, ops.Lines);
            }
            Assert.Equal(expected.Length, DeltaCases.Search(payload, lineBase, bytes.Length, matcher, invert, new RecordLineSink(new RecordLineSinkFactory(Stream.Null, RecordLineKind.Count))));
            var sinks = new UniqCountSinkFactory();
            var processors = new GrepRecordProcessorFactory(matcher, invert, sinks);
            var processor = (GrepRecordProcessor)processors.CreateForWorker();
            Assert.True(LineDeltaRecord.TryOpen(payload, lineBase, bytes.Length, out var record));
            for (var i = 0; i < 7; i++)
            {
                Assert.Equal(LineDeltaOutcome.Continue, processor.Process(Encoding.UTF8.GetBytes($"host{i}#cmd/x"), default, record));
            }
            processors.Complete([processor]);
            Assert.Equal(expected.GroupBy(l => l).Select(g => (g.Key, g.Count() * 7L)).OrderBy(r => r.Key, StringComparer.Ordinal), sinks.Result.Select(r => (r.Line, r.Count)).OrderBy(r => r.Line, StringComparer.Ordinal));
        }
    }

    private static List<string> Run(Func<IGrepSink, long> search)
    {
        var sink = new CollectingSink();
        var n = search(sink);
        Assert.Equal(sink.Lines.Count, n);
        return sink.Lines;
    }

    internal static ReadOnlySequence<byte> TwoSegments(byte[] bytes, int split)
    {
        if (split == 0 || split == bytes.Length)
        {
            return new ReadOnlySequence<byte>(bytes);
        }
        var first = new Segment(bytes.AsMemory(0, split).ToArray(), 0);
        var second = first.Append(bytes.AsMemory(split).ToArray());
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

internal sealed class CollectingSink : IGrepSink
{
    public List<string> Lines { get; } = [];

    public int StopAfter { get; init; } = int.MaxValue;

    public void BeginRecord(ReadOnlySpan<byte> key) { }

    public bool Matched(ReadOnlySpan<byte> line)
    {
        Lines.Add(Encoding.UTF8.GetString(line));
        return Lines.Count < StopAfter;
    }

    public void EndRecord(long selectedLines) { }
}
