using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Query;

/// <summary>
/// Collects what each worker saw into one list (keys, headers or whole records), merged once at the
/// end. For answers that are printed sorted and are small: keys and headers of a fleet, or a few
/// whole records; not for the contents of a whole fleet.
/// </summary>
internal sealed class RecordCollector<T>(Func<byte[], RecordHeader, ReadOnlySpan<byte>, T> select) : IRecordProcessorFactory
{
    public List<T> Items { get; } = [];

    public IRecordProcessor CreateForWorker() => new Worker(select);

    public void Complete(IReadOnlyList<IRecordProcessor> processors)
    {
        foreach (var p in processors)
        {
            Items.AddRange(((Worker)p).Items);
        }
    }

    private sealed class Worker(Func<byte[], RecordHeader, ReadOnlySpan<byte>, T> select) : IRecordProcessor
    {
        public List<T> Items { get; } = [];

        public bool Process(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content)
        {
            Items.Add(select(key.ToArray(), header, content));
            return true;
        }
    }
}

/// <summary>The collectors the queries use.</summary>
internal static class RecordCollectors
{
    public static RecordCollector<string> Keys() => new((key, _, _) => ObjectKey.Display(key));

    public static RecordCollector<RecordMetadata> Metadata() => new((key, header, _) => new RecordMetadata(ObjectKey.Display(key), header) { KeyBytes = key });

    public static RecordCollector<FetchedRecord> Records() => new((key, header, content) => new FetchedRecord(ObjectKey.Display(key), header, content.ToArray()) { KeyBytes = key });
}
