using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Query;

/// <summary>
/// Collects what each worker saw into one list (keys, headers or whole records), merged once at the
/// end. For answers that are printed sorted and are small: keys and headers of a fleet, or a few
/// whole records; not for the contents of a whole fleet.
/// </summary>
/// <remarks>With <c>keep</c>, whole contents are kept as the decoder hands them over (<see cref="IContentKeeper"/>), not copied.</remarks>
internal sealed class RecordCollector<T>(Func<byte[], RecordHeader, ReadOnlySpan<byte>, T> select, Func<byte[], RecordHeader, byte[], T>? keep = null) : IRecordProcessorFactory
{
    public List<T> Items { get; } = [];

    public IRecordProcessor CreateForWorker() => keep is null ? new Worker(select) : new KeepingWorker(select, keep);

    public void Complete(IReadOnlyList<IRecordProcessor> processors)
    {
        foreach (var p in processors)
        {
            var items = ((Worker)p).Items;
            Items.AddRange(items);
            items.Clear(); // see Clear
        }
    }

    /// <summary>Drops every item: the pipeline's frames reach this collector as long as its last worker's stack lives (see <see cref="FleetQuery.FetchIntoAsync"/>).</summary>
    public void Clear() => Items.Clear();

    private class Worker(Func<byte[], RecordHeader, ReadOnlySpan<byte>, T> select) : IRecordProcessor
    {
        public List<T> Items { get; } = [];

        public bool Process(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content)
        {
            Items.Add(select(key.ToArray(), header, content));
            return true;
        }
    }

    private sealed class KeepingWorker(Func<byte[], RecordHeader, ReadOnlySpan<byte>, T> select, Func<byte[], RecordHeader, byte[], T> keep) : Worker(select), IContentKeeper
    {
        public bool Keep(ReadOnlySpan<byte> key, in RecordHeader header, byte[] content)
        {
            Items.Add(keep(key.ToArray(), header, content));
            return true;
        }
    }
}

/// <summary>The collectors the queries use.</summary>
internal static class RecordCollectors
{
    public static RecordCollector<FetchedRecord> Records() => new((key, header, content) => Record(key, header, content.ToArray()), Record);

    private static FetchedRecord Record(byte[] key, RecordHeader header, byte[] content) => new(ObjectKey.Display(key), header, content) { KeyBytes = key };
}
