using System.Collections.Concurrent;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Pipeline;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>
/// The allocation budget of the hot path (decode → search → sink), per value, checked in CI.
/// Allocated bytes are counted, not time, so the check is deterministic. A value whose lines were
/// all seen before must cost nothing; the budget leaves no room for a per-value string or array.
/// </summary>
public class AllocationBudgetTests
{
    /// <summary>Bytes the hot path may allocate per value once warm. Raise it only with a reason in the commit.</summary>
    private const double BytesPerValueBudget = 0;

    [Theory]
    [InlineData(PayloadCodec.Lz4, false)]
    [InlineData(PayloadCodec.None, false)]
    [InlineData(PayloadCodec.Zstd, false)]
    [InlineData(PayloadCodec.ZstdDictionary, false)]
    [InlineData(PayloadCodec.Lz4, true)]
    public void Decode_grep_and_uniq_count_allocate_nothing_per_value(PayloadCodec codec, bool ignoreCase)
    {
        var fleet = new SyntheticFleet(64, 1);
        var text = new TextBuffer();
        var records = new List<(byte[] Key, byte[] Value)>();
        foreach (var h in fleet.HostIndices())
        {
            fleet.Write(h, 0, text);
            records.Add((System.Text.Encoding.UTF8.GetBytes(SyntheticFleet.HostName(h) + "#cmd/sysctl-a"), TestCodecs.Encode(text.Span, FileStat.None, 1, codec)));
        }
        var sinks = new UniqCountSinkFactory();
        var processors = new GrepRecordProcessorFactory(MatcherFactory.Create("net.core.netdev_budget", false, ignoreCase), false, sinks);
        using var worker = new RecordDecodeWorker(processors.CreateForWorker(), new ConcurrentQueue<CorruptRecord>(), TestCodecs.Dictionaries);

        // Warm up: the first pass learns the distinct lines (one array each) and grows the buffers.
        foreach (var (key, value) in records)
        {
            worker.Consume(key, value);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var pass = 0; pass < 5; pass++)
        {
            foreach (var (key, value) in records)
            {
                worker.Consume(key, value);
            }
        }
        var perValue = (GC.GetAllocatedBytesForCurrentThread() - before) / (5.0 * records.Count);
        Assert.True(perValue <= BytesPerValueBudget, $"{perValue:F1} bytes allocated per value; the budget is {BytesPerValueBudget}");
        Assert.Equal(6 * 64, worker.Records);
    }
}
