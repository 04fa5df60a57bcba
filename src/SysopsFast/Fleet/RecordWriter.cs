using StackExchange.Redis;

namespace SysopsFast.Fleet;

/// <summary>
/// Pipelined SETs to one server: many writes on the wire at once, but never more than a bounded
/// number of bytes unacknowledged, so neither the client nor Redis buffers the whole fleet.
/// Each SET replaces the whole value at once: a reader sees the old record or the new one.
/// </summary>
internal sealed class RecordWriter
{
    private readonly IDatabase _db;
    private readonly TimeSpan? _ttl;
    private readonly long _maxBytesInFlight;
    private readonly Queue<(Task Task, long Bytes)> _pending = new();
    private long _bytesInFlight;

    public RecordWriter(IDatabase db, TimeSpan? ttl, long maxBytesInFlight = 8 << 20)
    {
        _db = db;
        _ttl = ttl;
        _maxBytesInFlight = maxBytesInFlight;
    }

    public long Written { get; private set; }

    public long BytesWritten { get; private set; }

    public async Task SetAsync(string key, byte[] value)
    {
        while (_pending.Count > 0 && (_bytesInFlight + value.Length > _maxBytesInFlight || _pending.Count >= 4096))
        {
            await CompleteOldestAsync();
        }
        var task = _ttl is { } ttl ? _db.StringSetAsync(key, value, ttl) : _db.StringSetAsync(key, value);
        _pending.Enqueue((task, value.Length));
        _bytesInFlight += value.Length;
        Written++;
        BytesWritten += value.Length;
    }

    public async Task FlushAsync()
    {
        while (_pending.Count > 0)
        {
            await CompleteOldestAsync();
        }
    }

    private async Task CompleteOldestAsync()
    {
        var (task, bytes) = _pending.Dequeue();
        _bytesInFlight -= bytes;
        await task;
    }
}
