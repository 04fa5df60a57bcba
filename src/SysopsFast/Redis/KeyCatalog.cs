using System.Text;
using StackExchange.Redis;

namespace SysopsFast.Redis;

/// <summary>
/// The key catalog (docs/FORMAT.md, "Key catalog"): for each object name a sorted set of the hosts
/// that hold it, scored by the key's expiry time, plus sorted sets of every host and every object
/// name. Writers (push, import, fleet generate) add to it beside each SET; queries read it instead
/// of sweeping the keyspace with SCAN, so discovery costs O(matching keys).
/// Its keys begin with <c>#</c>: an empty host part, which no object key can have.
/// </summary>
internal static class KeyCatalog
{
    public const string Prefix = "#catalog:";

    public static readonly RedisKey Hosts = Prefix + "hosts";

    public static readonly RedisKey Objects = Prefix + "objects";

    private static readonly byte[] ObjectPrefix = Encoding.UTF8.GetBytes(Prefix + "object:");

    /// <summary>
    /// Entries are dropped this long after their expiry, not at it: writers stamp expiry with their
    /// own clock, and a key the catalog lists after it expired costs one nil in an MGET, no more.
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(10);

    public static RedisKey HostsOf(string objectName) => Prefix + "object:" + objectName;

    public static RedisKey HostsOf(ReadOnlySpan<byte> objectName) => (byte[])[.. ObjectPrefix, .. objectName];

    /// <summary>The score of an entry: the key's expiry in Unix milliseconds, or +inf for a key that never expires.</summary>
    public static double Expiry(TimeSpan? ttl, DateTimeOffset now) => ttl is { } t ? (now + t).ToUnixTimeMilliseconds() : double.PositiveInfinity;

    /// <summary>Lists one host's object; the host and object sets keep the latest expiry (GT).</summary>
    public static Task[] Add(IDatabaseAsync db, string host, string objectName, double expiry) =>
    [
        db.SortedSetAddAsync(HostsOf(objectName), host, expiry),
        db.SortedSetAddAsync(Objects, objectName, expiry, SortedSetWhen.GreaterThan),
        db.SortedSetAddAsync(Hosts, host, expiry, SortedSetWhen.GreaterThan),
    ];

    /// <summary>Whether a key (or a SCAN result) is one of the catalog's own.</summary>
    public static bool IsHousekeeping(ReadOnlySpan<byte> key) => key.Length > 0 && key[0] == (byte)ObjectKey.Separator;
}
