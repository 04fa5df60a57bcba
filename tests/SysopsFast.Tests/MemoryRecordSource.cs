using System.Text;
using System.Threading.Channels;
using SysopsFast.Pipeline;

namespace SysopsFast.Tests;

/// <summary>An in-memory front of the pipeline: records cut into batches, written like the Redis source does.</summary>
internal sealed class MemoryRecordSource : IRecordBatchSource
{
    private readonly IReadOnlyList<(string Key, byte[]? Value)> _records;
    private readonly int _batchSize;

    public MemoryRecordSource(IEnumerable<(string Key, byte[]? Value)> records, int batchSize = 3)
    {
        _records = records.ToList();
        _batchSize = batchSize;
    }

    public IReadOnlyList<string> Servers { get; } = ["memory"];

    public Format.CompressionDictionaries? Dictionaries { get; init; }

    /// <summary>Thrown after this many batches, to test failure propagation.</summary>
    public int? FailAfterBatches { get; init; }

    /// <summary>Waits this long before each batch, to test cancellation.</summary>
    public TimeSpan DelayPerBatch { get; init; }

    public int BatchesWritten { get; private set; }

    public async Task ProduceAsync(ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        statistics.AddKeys("memory", _records.Count);
        foreach (var chunk in _records.Chunk(_batchSize))
        {
            if (FailAfterBatches == BatchesWritten)
            {
                throw new InvalidDataException("source failed on purpose");
            }
            if (DelayPerBatch > TimeSpan.Zero)
            {
                await Task.Delay(DelayPerBatch, cancellationToken);
            }
            cancellationToken.ThrowIfCancellationRequested();
            await output.WriteAsync(new MemoryRecordBatch(chunk), cancellationToken);
            BatchesWritten++;
        }
    }

    private sealed class MemoryRecordBatch((string Key, byte[]? Value)[] records) : IRecordBatch
    {
        public string Server => "memory";

        public int Count => records.Length;

        public bool Feed(IRecordConsumer consumer)
        {
            foreach (var (key, value) in records)
            {
                var k = Encoding.UTF8.GetBytes(key);
                if (value is null)
                {
                    consumer.Missing(k);
                }
                else if (!consumer.Consume(k, value))
                {
                    return false;
                }
            }
            return true;
        }

        public void Dispose() { }
    }
}
