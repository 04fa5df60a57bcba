using System.Buffers;
using System.Text;
using SysopsFast.Format;
using SysopsFast.Grep;
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

        var records = Enumerable.Range(0, 7).Select(i => ($"host{i}#cmd/x", TestCodecs.Encode(bytes, FileStat.None, 1, TestCodecs.All[i % TestCodecs.All.Length]))).ToList();
        var sinks = new UniqCountSinkFactory();
        var processors = new GrepRecordProcessorFactory(matcher, invert, sinks);
        var summary = ExtractPipeline.RunAsync(new MemoryRecordSource(records.Select(r => (r.Item1, (byte[]?)r.Item2)), 2) { Dictionaries = TestCodecs.Dictionaries }, processors, new ExtractOptions { Workers = 3 }, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Empty(summary.Corrupt);
        var expectedCounts = expected.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count() * 7L);
        Assert.Equal(expectedCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal), sinks.Result.ToDictionary(r => r.Line, r => r.Count).OrderBy(kv => kv.Key, StringComparer.Ordinal));
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
