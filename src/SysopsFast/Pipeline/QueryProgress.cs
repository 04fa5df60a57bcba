namespace SysopsFast.Pipeline;

/// <summary>
/// Live counters of the queries run with it (<see cref="ExtractOptions.Progress"/>), for a progress
/// display to poll: the pipeline only adds to them (per page of keys and per batch, not per record).
/// </summary>
public sealed class QueryProgress
{
    private long _keys;
    private long _records;
    private long _bytes;

    /// <summary>Keys found so far.</summary>
    public long KeysFound => Interlocked.Read(ref _keys);

    /// <summary>Records fetched and handed to the workers so far.</summary>
    public long RecordsDone => Interlocked.Read(ref _records);

    /// <summary>Bytes fetched so far.</summary>
    public long BytesFetched => Interlocked.Read(ref _bytes);

    internal void AddKeys(long n) => Interlocked.Add(ref _keys, n);

    internal void AddRecords(long n) => Interlocked.Add(ref _records, n);

    internal void AddBytes(long n) => Interlocked.Add(ref _bytes, n);
}
