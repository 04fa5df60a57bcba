using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Pipeline;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>The pipeline over in-memory stages: the contracts every source and sink rely on.</summary>
public class PipelineTests
{
    private static byte[] Record(string text, PayloadCodec codec = PayloadCodec.Lz4) =>
        RecordEncoder.Encode(System.Text.Encoding.UTF8.GetBytes(text), FileStat.None, 1, codec);

    private static IEnumerable<(string, byte[]?)> Fleet(int hosts) =>
        Enumerable.Range(0, hosts).Select(i => ($"h{i}#cmd/sysctl-a", (byte[]?)Record($"a = 1\nbudget = {(i % 10 == 0 ? 600 : 300)}\n", (PayloadCodec)(i % 3))));

    private static Task<ExtractSummary> Grep(IRecordBatchSource source, IGrepSinkFactory sinks, string pattern = "budget", int workers = 2, CancellationToken ct = default) =>
        ExtractPipeline.RunAsync(source, new GrepRecordProcessorFactory(new LiteralMatcher(pattern), false, sinks), new ExtractOptions { Workers = workers, BatchQueueCapacity = 2 }, ct);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public async Task Uniq_counts_are_exact_whatever_the_number_of_workers(int workers)
    {
        var sinks = new UniqCountSinkFactory();
        var summary = await Grep(new MemoryRecordSource(Fleet(1000), 7), sinks, workers: workers);
        Assert.Equal(new[] { new UniqCount("budget = 300", 900), new UniqCount("budget = 600", 100) }, sinks.Result);
        Assert.Equal(1000, summary.RecordsRead);
        Assert.False(summary.Partial);
    }

    [Fact]
    public async Task Corrupt_and_missing_records_are_reported_and_skipped()
    {
        var good = Record("budget = 300\n");
        var truncated = good.AsSpan(0, good.Length - 3).ToArray();
        var records = new (string, byte[]?)[]
        {
            ("a#cmd/sysctl-a", good),
            ("b#cmd/sysctl-a", truncated),
            ("c#cmd/sysctl-a", null),
            ("d#cmd/sysctl-a", "plain text"u8.ToArray()),
            ("e#cmd/sysctl-a", good),
        };
        var sinks = new UniqCountSinkFactory();
        var summary = await Grep(new MemoryRecordSource(records, 2), sinks);
        Assert.Equal([new UniqCount("budget = 300", 2)], sinks.Result);
        Assert.Equal(new[] { "b#cmd/sysctl-a", "d#cmd/sysctl-a" }, summary.Corrupt.Select(c => c.Key).Order());
        Assert.Contains("truncated payload", summary.Corrupt.Single(c => c.Key.StartsWith('b')).Reason, StringComparison.Ordinal);
        Assert.Equal(1, summary.RecordsMissing);
        Assert.Equal(2, summary.RecordsRead);
    }

    [Fact]
    public async Task A_source_failure_reaches_the_caller()
    {
        var source = new MemoryRecordSource(Fleet(100), 5) { FailAfterBatches = 3 };
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Grep(source, new UniqCountSinkFactory()));
        Assert.Equal("source failed on purpose", e.Message);
    }

    /// <summary>The rule: Complete runs once every worker has stopped, whatever ended the query; then the first failure is thrown.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_source_failure_still_completes_the_processors_once_then_reaches_the_caller(int workers)
    {
        var source = new MemoryRecordSource(Fleet(100), 5) { FailAfterBatches = 3 };
        var sinks = new CompletionCountingSinkFactory(new UniqCountSinkFactory());
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Grep(source, sinks, workers: workers));
        Assert.Equal("source failed on purpose", e.Message);
        Assert.Equal(1, sinks.Completed);
    }

    [Fact]
    public async Task A_worker_failure_completes_the_processors_once_and_reaches_the_caller()
    {
        var source = new MemoryRecordSource(Fleet(100), 5);
        var sinks = new CompletionCountingSinkFactory(new ThrowingSinkFactory());
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Grep(source, sinks));
        Assert.Equal("sink failed on purpose", e.Message);
        Assert.Equal(1, sinks.Completed);
    }

    private sealed class CompletionCountingSinkFactory(IGrepSinkFactory inner) : IGrepSinkFactory
    {
        private int _completed;

        public int Completed => _completed;

        public IGrepSink CreateForWorker() => inner.CreateForWorker();

        public void Complete(IReadOnlyList<IGrepSink> workerSinks)
        {
            Interlocked.Increment(ref _completed);
            inner.Complete(workerSinks);
        }
    }

    private sealed class ThrowingSinkFactory : IGrepSinkFactory
    {
        public IGrepSink CreateForWorker() => new Sink();

        public void Complete(IReadOnlyList<IGrepSink> workerSinks) { }

        private sealed class Sink : IGrepSink
        {
            public void BeginRecord(ReadOnlySpan<byte> key) { }

            public bool Matched(ReadOnlySpan<byte> line) => throw new InvalidOperationException("sink failed on purpose");

            public void EndRecord(long selectedLines) { }
        }
    }

    [Fact]
    public async Task Cancellation_stops_promptly_and_marks_the_answer_partial()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
        var source = new MemoryRecordSource(Fleet(10_000), 10) { DelayPerBatch = TimeSpan.FromMilliseconds(20) };
        var sinks = new UniqCountSinkFactory();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var summary = await Grep(source, sinks, ct: cts.Token);
        Assert.True(summary.Partial);
        Assert.True(summary.RecordsRead < 10_000);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "cancellation must not wait for the whole fleet");
        Assert.Equal(summary.RecordsRead, sinks.Result.Sum(r => r.Count));
    }

    [Fact]
    public async Task A_sink_that_stops_ends_the_query_without_error()
    {
        var stopping = new StoppingSinkFactory(3);
        var source = new MemoryRecordSource(Fleet(5000), 10);
        var summary = await Grep(source, stopping);
        Assert.True(summary.StoppedEarly);
        Assert.False(summary.Partial);
        Assert.True(source.BatchesWritten < 500, "the source should stop fetching once the sink has stopped");
    }

    private sealed class StoppingSinkFactory(int after) : IGrepSinkFactory
    {
        private readonly int _after = after;
        private int _seen;

        public IGrepSink CreateForWorker() => new Sink(this);

        public void Complete(IReadOnlyList<IGrepSink> workerSinks) { }

        private sealed class Sink(StoppingSinkFactory owner) : IGrepSink
        {
            public void BeginRecord(ReadOnlySpan<byte> key) { }

            public bool Matched(ReadOnlySpan<byte> line) => Interlocked.Increment(ref owner._seen) < owner._after;

            public void EndRecord(long selectedLines) { }
        }
    }
}
