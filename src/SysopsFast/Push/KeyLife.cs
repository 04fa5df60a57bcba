using StackExchange.Redis;

namespace SysopsFast.Push;

/// <summary>
/// The expiry a record and its history list get (<see cref="HistoryWriter"/>): a time to live from
/// when the write runs, an absolute time, or none. A migrated key keeps its remaining life exactly
/// (<see cref="Until"/>), however long the reads before its write took.
/// </summary>
internal readonly record struct KeyLife(TimeSpan? Ttl, DateTimeOffset? At)
{
    public static implicit operator KeyLife(TimeSpan? ttl) => new(ttl, null);

    /// <summary>Expires at <paramref name="at"/>; none when null.</summary>
    public static KeyLife Until(DateTimeOffset? at) => new(null, at);

    /// <summary>SET of the record with this life (an absolute one: SET then PEXPIREAT, queued together).</summary>
    public Task Set(IDatabaseAsync db, RedisKey key, byte[] record)
    {
        if (At is { } at)
        {
            _ = db.StringSetAsync(key, record);
            return db.KeyExpireAsync(key, at.UtcDateTime);
        }
        return Ttl is { } ttl ? db.StringSetAsync(key, record, ttl) : db.StringSetAsync(key, record);
    }

    /// <summary>Gives <paramref name="key"/> this life (PERSIST when none).</summary>
    public Task Expire(IDatabaseAsync db, RedisKey key) =>
        At is { } at ? db.KeyExpireAsync(key, at.UtcDateTime)
        : Ttl is { } ttl ? db.KeyExpireAsync(key, ttl)
        : db.KeyPersistAsync(key);
}
