using StackExchange.Redis;
using SysopsFast.Format;
using SysopsFast.Redis;

namespace SysopsFast.Push;

/// <summary>
/// Which dictionary (and line delta base) each object of a push uses on one server: the one the
/// server names current (<c>#dict:current</c>, <c>#base:current</c>, one HMGET each), if the server
/// holds it for at least as long as the records about to be written or refreshed with it. A record
/// never goes to a server that lacks its dictionary or base; an object without a usable dictionary
/// is written with LZ4, one without a base as no delta.
/// </summary>
internal static class DictionarySelector
{
    /// <summary>Per object, its dictionary on this server (null: LZ4); and why none is used at all when the server refuses them.</summary>
    public static Task<(CompressionDictionary?[] Chosen, string? Refusal)> SelectAsync(IDatabaseAsync db, PushRecords push) =>
        SelectAsync(db, push, SharedKind.Dictionary, push.Dictionaries.Find, push.Dictionaries.Add);

    /// <summary>Per object, its base on this server (null: no delta); and why none is used at all when the server refuses them.</summary>
    public static Task<(LineDeltaEncoder?[] Chosen, string? Refusal)> SelectBasesAsync(IDatabaseAsync db, PushRecords push) =>
        SelectAsync(db, push, SharedKind.Base, push.Dictionaries.FindBase, push.Dictionaries.AddBase);

    /// <summary>
    /// Per object, what of <paramref name="kind"/> it uses: <paramref name="find"/> looks in the
    /// cache, <paramref name="add"/> keeps bytes fetched from the server (null: unusable).
    /// </summary>
    private static async Task<(T?[] Chosen, string? Refusal)> SelectAsync<T>(IDatabaseAsync db, PushRecords push, SharedKind kind, Func<uint, T?> find, Func<uint, byte[], T?> add)
        where T : class
    {
        var objects = push.Objects;
        var chosen = new T?[objects.Count];
        if (objects.Count == 0)
        {
            return (chosen, null);
        }
        try
        {
            var ids = await DictionaryStore.CurrentAsync(db, kind, objects.Select(o => o.Name).ToArray());
            // Objects over the size cap are stored without contents: their dictionaries are not needed.
            var wanted = ids.Where((id, i) => id != 0 && !objects[i].Omitted).Distinct().ToArray();
            var usable = await Task.WhenAll(wanted.Select(id => UsableAsync(db, kind, id, push.Ttl, find, add)));
            var byId = wanted.Zip(usable).Where(u => u.Second is not null).ToDictionary(u => u.First, u => u.Second!);
            for (var i = 0; i < objects.Count; i++)
            {
                chosen[i] = objects[i].Omitted ? null : byId.GetValueOrDefault(ids[i]);
            }
            return (chosen, null);
        }
        catch (RedisServerException e)
        {
            // An error reply (an ACL older than dictionaries in push: NOPERM; a pointer that is not
            // a hash: WRONGTYPE; a server without EXPIRE GT): dictionaries only save space, LZ4 still works.
            return (new T?[objects.Count], $"no {kind.Noun} used: the server refused them ({e.Message.Split('\n')[0]})");
        }
    }

    /// <summary>
    /// The dictionary, if the server holds it long enough: its life is extended (EXPIRE GT, or
    /// PERSIST for records that never expire), its bytes come from the cache (the server is only
    /// asked whether it holds them) or from the server, and its remaining life is read back. The
    /// three are sent in that order on one connection, so the life read is the one that counts.
    /// </summary>
    private static async Task<T?> UsableAsync<T>(IDatabaseAsync db, SharedKind kind, uint id, TimeSpan? ttl, Func<uint, T?> find, Func<uint, byte[], T?> add)
        where T : class
    {
        var key = kind.Key(id);
        var extended = DictionaryStore.ExtendAsync(db, kind, id, DictionaryStore.LifeFor(ttl));
        var cached = find(id);
        var fetched = cached is null ? DictionaryStore.ReadBoundedAsync(db, kind, id) : null;
        var exists = cached is null ? null : db.KeyExistsAsync(key);
        var remaining = db.ExecuteAsync("PTTL", key);
        await extended;
        var bytes = fetched is null ? null : await fetched;
        var holds = exists is null ? bytes is not null : await exists;
        if (!holds || !Covers((long)await remaining, ttl))
        {
            return null;
        }
        // Bytes it cannot use (damaged, over the size limit, malformed) are not used: null.
        return cached ?? add(id, bytes!);
    }

    /// <summary>
    /// Whether a dictionary with <paramref name="remainingMs"/> of life (PTTL: -1 none, -2 gone)
    /// outlives records written now with <paramref name="ttl"/> (null: never expire). Its extra
    /// hour covers the time between this reply and the records' SET.
    /// </summary>
    private static bool Covers(long remainingMs, TimeSpan? ttl) =>
        remainingMs == -1 || (ttl is { } t && remainingMs >= (long)t.TotalMilliseconds);
}
