using StackExchange.Redis;
using SysopsFast.Redis;

namespace SysopsFast.Fleet;

/// <summary>
/// Pipelined SETs to one server: many writes on the wire at once, but never more than a bounded
/// number of bytes unacknowledged, so neither the client nor Redis buffers the whole fleet.
/// Each SET replaces the whole value at once: a reader sees the old record or the new one.
/// Every key is also listed in the key catalog (the host and object sets once per writer, and again
/// with the final expiry at the end).
/// </summary>
internal sealed class RecordWriter
{
    private readonly IDatabase _db;
    private readonly TimeSpan? _ttl;
    private readonly long _maxBytesInFlight;
    private readonly Queue<(Task Task, long Bytes)> _pending = new();
    private long _bytesInFlight;
    private readonly HashSet<string> _hosts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _objects = new(StringComparer.Ordinal);

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
        var (host, objectName) = ObjectKey.Split(key);
        var expiry = KeyCatalog.Expiry(_ttl, DateTimeOffset.UtcNow);
        _pending.Enqueue((_db.SortedSetAddAsync(KeyCatalog.HostsOf(objectName), host, expiry), 0));
        if (_hosts.Add(host))
        {
            _pending.Enqueue((_db.SortedSetAddAsync(KeyCatalog.HostsKey, host, expiry, SortedSetWhen.GreaterThan), 0));
        }
        if (_objects.Add(objectName))
        {
            _pending.Enqueue((_db.SortedSetAddAsync(KeyCatalog.ObjectsKey, objectName, expiry, SortedSetWhen.GreaterThan), 0));
        }
        _bytesInFlight += value.Length;
        Written++;
        BytesWritten += value.Length;
    }

    public async Task FlushAsync()
    {
        // The host and object sets were stamped at first sight; the last key written expires later.
        var expiry = KeyCatalog.Expiry(_ttl, DateTimeOffset.UtcNow);
        foreach (var chunk in _hosts.Select(h => new SortedSetEntry(h, expiry)).Chunk(1000))
        {
            _pending.Enqueue((_db.SortedSetAddAsync(KeyCatalog.HostsKey, chunk, SortedSetWhen.GreaterThan), 0));
        }
        if (_objects.Count > 0)
        {
            _pending.Enqueue((_db.SortedSetAddAsync(KeyCatalog.ObjectsKey, _objects.Select(o => new SortedSetEntry(o, expiry)).ToArray(), SortedSetWhen.GreaterThan), 0));
        }
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
