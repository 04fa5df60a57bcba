using System.Runtime.CompilerServices;
using System.Text;
using StackExchange.Redis;
using SysopsFast.Redis;

namespace SysopsFast.Fleet;

/// <summary>
/// One key of an original sysops-api cache as fetched: its five bz2 elements and when it expires,
/// or why it is not such a record.
/// </summary>
internal sealed record OriginalEntry(string Key, RedisValue[] Elements, DateTimeOffset? ExpiresAt, string? Problem)
{
    public static OriginalEntry Bad(string key, string problem) => new(key, [], null, problem);
}

/// <summary>
/// Reads an original cache (docs/FORMAT.md, "The original layout"): SCAN MATCH <c>*#*</c> on every
/// primary, then, per batch of keys, LLEN + LRANGE 0 4 + PTTL of each, pipelined. Batches are sized
/// from the bytes per key seen so far, and one is fetched at a time, so memory does not grow with
/// the cache.
/// </summary>
internal sealed class OriginalCacheSource(IConnectionMultiplexer connection, ServerAddress address)
{
    /// <summary>contents, md5 hex, stat string, word counts, insertion time.</summary>
    public const int Elements = 5;

    /// <summary>The original wrote <c>&lt;host&gt;$&lt;uuid&gt;</c> first and renamed it: keys without <c>#</c> are not records.</summary>
    private const string KeyPattern = "*#*";

    private const int ScanPageSize = 1000;
    private const long FetchBytes = 4 << 20;
    private const int MinKeysPerFetch = 8;
    private const int MaxKeysPerFetch = 512;

    private readonly IDatabase _db = connection.GetDatabase(address.Database);
    private int _keysPerFetch = 32;

    /// <summary>
    /// Fetches the keys <paramref name="select"/> picks as it sees each key name (it may hold some
    /// back and pick them later), in batches, into <paramref name="output"/>; keys that vanished
    /// meanwhile are skipped.
    /// </summary>
    /// <returns>How many keys vanished between SCAN and fetch.</returns>
    public async Task<long> ReadAsync(Func<string, IEnumerable<string>> select, ChannelWriter<OriginalEntry[]> output, CancellationToken cancellationToken)
    {
        var vanished = new StrongBox<long>();
        var batch = new List<string>(_keysPerFetch);
        await foreach (var (key, problem) in KeysAsync(cancellationToken))
        {
            if (problem is not null)
            {
                await output.WriteAsync([OriginalEntry.Bad(key, problem)], cancellationToken);
                continue;
            }
            batch.AddRange(select(key));
            if (batch.Count >= _keysPerFetch)
            {
                await FetchIntoAsync(batch, output, vanished, cancellationToken);
            }
        }
        await FetchIntoAsync(batch, output, vanished, cancellationToken);
        return vanished.Value;
    }

    private async Task FetchIntoAsync(List<string> batch, ChannelWriter<OriginalEntry[]> output, StrongBox<long> vanished, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }
        var fetched = await OnSourceAsync(() => FetchAsync(batch));
        vanished.Value += fetched.Count(e => e is null);
        batch.Clear();
        await output.WriteAsync(fetched.OfType<OriginalEntry>().ToArray(), cancellationToken);
    }

    /// <summary>Every key name on every primary; a name that is not UTF-8 comes with its problem (it could not be written back unchanged).</summary>
    private async IAsyncEnumerable<(string Key, string? Problem)> KeysAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var server in connection.GetServers().Where(s => !s.IsReplica))
        {
            var keys = server.KeysAsync(address.Database, KeyPattern, ScanPageSize).WithCancellation(cancellationToken).ConfigureAwait(false);
            await using var e = keys.GetAsyncEnumerator();
            while (await OnSourceAsync(async () => await e.MoveNextAsync()))
            {
                byte[] name = (byte[]?)e.Current ?? [];
                if (KeyCatalog.IsHousekeeping(name))
                {
                    continue;
                }
                yield return System.Text.Unicode.Utf8.IsValid(name)
                    ? (Encoding.UTF8.GetString(name), null)
                    : (Encoding.UTF8.GetString(name), "its name is not valid UTF-8");
            }
        }
    }

    /// <summary>One pipelined round of LLEN, LRANGE and PTTL per key; null for a key that is gone.</summary>
    private async Task<OriginalEntry?[]> FetchAsync(List<string> keys)
    {
        var sent = DateTimeOffset.UtcNow;
        var pending = keys.Select(k => (Key: k, Length: _db.ListLengthAsync(k), Range: _db.ListRangeAsync(k, 0, Elements - 1), Ttl: _db.KeyTimeToLiveAsync(k))).ToArray();
        var entries = new OriginalEntry?[pending.Length];
        long bytes = 0;
        for (var i = 0; i < pending.Length; i++)
        {
            entries[i] = await CompleteAsync(pending[i].Key, pending[i].Length, pending[i].Range, pending[i].Ttl, sent);
            bytes += entries[i]?.Elements.Sum(v => (long)v.Length()) ?? 0;
        }
        // Next batch: about FetchBytes of replies at the size per key seen in this one.
        var perKey = Math.Max(1, bytes / Math.Max(1, pending.Length));
        _keysPerFetch = (int)Math.Clamp(FetchBytes / perKey, MinKeysPerFetch, MaxKeysPerFetch);
        return entries;
    }

    private async Task<OriginalEntry?> CompleteAsync(string key, Task<long> length, Task<RedisValue[]> range, Task<TimeSpan?> ttl, DateTimeOffset sent)
    {
        long count;
        RedisValue[] elements;
        try
        {
            count = await length;
            elements = await range;
        }
        catch (RedisServerException e) when (e.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            await Observe(range);
            await ttl;
            return OriginalEntry.Bad(key, $"not a list but a {(await _db.KeyTypeAsync(key)).ToString().ToLowerInvariant()}");
        }
        // PTTL is taken after the send time: the expiry computed here is never later than the real one.
        var remaining = await ttl;
        if (count == 0)
        {
            return null; // expired or deleted since SCAN listed it
        }
        // Four elements: the original's layout before it stored insertion times (contents, md5, stat, word count).
        return count is Elements or Elements - 1
            ? new OriginalEntry(key, elements, sent + remaining, null)
            : OriginalEntry.Bad(key, $"a list of {count} elements, not {Elements} (or {Elements - 1}, the layout without insertion times)");
    }

    private static async Task Observe(Task task)
    {
        try
        {
            await task;
        }
        catch (RedisServerException)
        {
            // the same WRONGTYPE as LLEN's
        }
    }

    /// <summary>A failure of the source server (not of one key) becomes one error naming it.</summary>
    private async Task<T> OnSourceAsync<T>(Func<Task<T>> step)
    {
        try
        {
            return await step();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw Errors.SourceFailed(address.ToString(), e);
        }
    }
}
