namespace SysopsFast.Pipeline;

/// <summary>Counters the source stages update (atomically: several servers produce at once).</summary>
public sealed class SourceStatistics
{
    private long _keys;
    private long _batches;
    private long _bytes;

    public long KeysDiscovered => Interlocked.Read(ref _keys);
    public long Batches => Interlocked.Read(ref _batches);
    public long BytesFetched => Interlocked.Read(ref _bytes);

    internal void AddKeys(long n) => Interlocked.Add(ref _keys, n);

    internal void AddBatch(long bytes)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _bytes, bytes);
    }
}
