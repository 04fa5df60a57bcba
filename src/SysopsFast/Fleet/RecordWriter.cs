using StackExchange.Redis;
using SysopsFast.Redis;

namespace SysopsFast.Fleet;

/// <summary>
/// Pipelined SETs to one server: many writes on the wire at once, but never more than a bounded
/// number of bytes unacknowledged, so neither the client nor Redis buffers the whole fleet.
/// Each SET replaces the whole value at once: a reader sees the old record or the new one.
/// Every key is also listed in the key catalog (the host and object sets once per writer, and again
/// with the final expiry at the end), each new host's name in the host-name index first. A writer
/// that creates the catalog indexes every host in it, so it marks the index complete at the end.
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
    private readonly HostNameGrams _grams = new();
    private bool? _createsCatalog;
    private bool _usedWriterTtl;
    private double _latest = double.NegativeInfinity;

    private readonly Push.HistoryWriter? _history;

    /// <param name="db">The server written to.</param>
    /// <param name="ttl">The writer's expiry (<see cref="SetAsync(string, byte[])"/>).</param>
    /// <param name="maxBytesInFlight">Bytes written and not yet acknowledged, at most.</param>
    /// <param name="history">Writes each record with its history (import); null: a plain SET (generate, migrate).</param>
    public RecordWriter(IDatabase db, TimeSpan? ttl, long maxBytesInFlight = 8 << 20, Push.HistoryWriter? history = null)
    {
        _db = db;
        _ttl = ttl;
        _maxBytesInFlight = maxBytesInFlight;
        _history = history;
    }

    /// <summary>Records not written, each with why (their history writes lost every try to another writer).</summary>
    public List<string> Failed { get; } = [];

    public long Written { get; private set; }

    public long BytesWritten { get; private set; }

    /// <summary>Distinct hosts written so far.</summary>
    public int Hosts => _hosts.Count;

    /// <summary>Writes with the writer's TTL.</summary>
    public Task SetAsync(string key, byte[] value)
    {
        _usedWriterTtl = true;
        return WriteAsync(key, value, _ttl, KeyCatalog.Expiry(_ttl, DateTimeOffset.UtcNow));
    }

    /// <summary>
    /// Writes with an expiry of its own (null: none), as a migration keeps each key's remaining life.
    /// A key whose expiry has already passed is not written; returns whether it was.
    /// </summary>
    public async Task<bool> SetAsync(string key, byte[] value, DateTimeOffset? expiresAt)
    {
        var now = DateTimeOffset.UtcNow;
        // Under a millisecond left: Redis refuses an expiry of 0 ms, and the key is as good as gone.
        if (expiresAt is { } at && at - now < TimeSpan.FromMilliseconds(1))
        {
            return false;
        }
        var ttl = expiresAt - now;
        // The score is the exact expiry, so the host and object sets can keep the latest one seen.
        var expiry = expiresAt is { } e ? e.ToUnixTimeMilliseconds() : double.PositiveInfinity;
        _latest = Math.Max(_latest, expiry);
        // Through the history writer, reads come before the write: the key's expiry is then the exact time.
        await WriteAsync(key, value, ttl, expiry, Push.KeyLife.Until(expiresAt));
        return true;
    }

    /// <summary>
    /// Versions with times of their own, oldest first (the history of a dump tree), each written
    /// unless the server holds one as new (<see cref="Push.HistoryWriter.WriteDatedAsync"/>), then
    /// <paramref name="latest"/> (null: none) as <see cref="SetAsync(string, byte[])"/> writes it; in
    /// that order, one after the other: one key's writes must not race each other.
    /// </summary>
    public Task SetVersionsAsync(string key, IReadOnlyList<byte[]> dated, byte[]? latest)
    {
        var history = _history ?? throw new InvalidOperationException("versions are written through a history writer");
        _usedWriterTtl = true;
        async Task Write()
        {
            foreach (var version in dated)
            {
                Report(await history.WriteDatedAsync(key, version, _ttl, written => { if (written) { Interlocked.Increment(ref _versions); } }));
            }
            if (latest is not null)
            {
                Report(await history.WriteAsync(key, latest, _ttl));
            }
        }
        return WriteAsync(key, dated.Sum(v => (long)v.Length) + (latest?.Length ?? 0), Write, KeyCatalog.Expiry(_ttl, DateTimeOffset.UtcNow));
    }

    private long _versions;

    /// <summary>Versions of <see cref="SetVersionsAsync"/> written (the others were older than what the server held).</summary>
    public long Versions => Interlocked.Read(ref _versions);

    private Task WriteAsync(string key, byte[] value, TimeSpan? ttl, double expiry, Push.KeyLife? life = null) =>
        WriteAsync(key, value.Length, () => _history is not null ? WithHistoryAsync(key, value, life ?? ttl) : ttl is { } t ? _db.StringSetAsync(key, value, t) : _db.StringSetAsync(key, value), expiry);

    private async Task WriteAsync(string key, long bytes, Func<Task> write, double expiry)
    {
        while (_pending.Count > 0 && (_bytesInFlight + bytes > _maxBytesInFlight || _pending.Count >= 4096))
        {
            await CompleteOldestAsync();
        }
        _createsCatalog ??= !await _db.KeyExistsAsync(KeyCatalog.HostsKey);
        _pending.Enqueue((write(), bytes));
        var (host, objectName) = ObjectKey.Split(key);
        var newHost = _hosts.Add(host);
        if (newHost)
        {
            // Before the host is listed anywhere: a reader that finds it finds its grams.
            _pending.Enqueue((KeyCatalog.AddHostGrams(_db, _grams.New(System.Text.Encoding.UTF8.GetBytes(host))), 0));
        }
        _pending.Enqueue((_db.SortedSetAddAsync(KeyCatalog.HostsOf(objectName), host, expiry), 0));
        if (newHost)
        {
            _pending.Enqueue((_db.SortedSetAddAsync(KeyCatalog.HostsKey, host, expiry, SortedSetWhen.GreaterThan), 0));
        }
        if (_objects.Add(objectName))
        {
            _pending.Enqueue((_db.SortedSetAddAsync(KeyCatalog.ObjectsKey, objectName, expiry, SortedSetWhen.GreaterThan), 0));
        }
        _bytesInFlight += bytes;
        Written++;
        BytesWritten += bytes;
    }

    /// <summary>Each record is a version with a time of its own (a migrated one): written through <see cref="Push.HistoryWriter.WriteDatedAsync"/>, so never over a newer one.</summary>
    public bool Dated { get; init; }

    private async Task WithHistoryAsync(string key, byte[] value, Push.KeyLife ttl) =>
        Report(await (Dated ? _history!.WriteDatedAsync(key, value, ttl) : _history!.WriteAsync(key, value, ttl)));

    private void Report(string? failure)
    {
        if (failure is not null)
        {
            lock (Failed)
            {
                Failed.Add(failure);
            }
        }
    }

    public async Task FlushAsync()
    {
        // The host and object sets were stamped at first sight; the last key written expires later
        // (with expiries of their own, the latest of them).
        var expiry = _usedWriterTtl ? Math.Max(_latest, KeyCatalog.Expiry(_ttl, DateTimeOffset.UtcNow)) : _latest;
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
        if (_createsCatalog == true)
        {
            await _db.StringSetAsync(KeyCatalog.HostGramsCompleteKey, DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private async Task CompleteOldestAsync()
    {
        var (task, bytes) = _pending.Dequeue();
        _bytesInFlight -= bytes;
        await task;
    }
}
