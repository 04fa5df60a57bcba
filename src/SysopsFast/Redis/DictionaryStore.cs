using System.Globalization;
using StackExchange.Redis;
using SysopsFast.Format;

namespace SysopsFast.Redis;

/// <summary>
/// Compression dictionaries and line delta bases on one server (docs/FORMAT.md, "Compression
/// dictionaries", "Line delta bases"; <see cref="SharedKind"/>): the bytes under <c>#dict:&lt;id&gt;</c>,
/// listed in <c>#catalog:dicts</c>, and the hash <c>#dict:current</c> naming each object's current
/// dictionary, the one push compresses with; bases alike under <c>#base:</c>.
/// Every writer keeps one invariant: a dictionary (a base) lives at least as long as every record
/// written or refreshed with it. So a life is only ever extended here (SET NX, EXPIRE GT, PERSIST), never set
/// shorter: another writer may have given the same dictionary a longer one.
/// </summary>
internal static class DictionaryStore
{
    /// <summary>The hash object name → id (8 hex digits) of its current dictionary.</summary>
    public static string CurrentKey => SharedKind.Dictionary.CurrentKey;

    /// <summary>
    /// The life `dict train` gives a dictionary it publishes: long enough for every host to push
    /// (every few minutes) and extend it. A current dictionary that no host uses then expires, and
    /// pushers write LZ4 until the next training publishes another.
    /// </summary>
    public static readonly TimeSpan PublishedLife = TimeSpan.FromDays(1);

    /// <summary>The life a dictionary needs for records of <paramref name="recordTtl"/>: an hour more (null: none, it never expires).</summary>
    public static TimeSpan? LifeFor(TimeSpan? recordTtl) => recordTtl is { } t ? t + KeyCatalog.DictionaryExtraLife : null;

    public static string Hex(uint id) => id.ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>An id as stored (8 hex digits); 0 for none or anything else.</summary>
    public static uint ParseId(RedisValue value) =>
        value.HasValue && uint.TryParse(value.ToString(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var id) ? id : 0;

    /// <summary>
    /// Stores a dictionary before any record that uses it (a copy already there has the same bytes:
    /// the id is their hash), gives it at least <paramref name="life"/> (null: none) and lists it.
    /// </summary>
    /// A dictionary over <see cref="CompressionDictionary.MaxStoredSize"/> is refused before anything is
    /// written: readers would not load it.
    public static Task StoreAsync(IDatabaseAsync db, CompressionDictionary dictionary, TimeSpan? life)
    {
        ArgumentNullException.ThrowIfNull(dictionary);
        return StoreAsync(db, SharedKind.Dictionary, dictionary.Id, dictionary.Bytes, life);
    }

    /// <summary>
    /// Stores a dictionary or base (<paramref name="value"/>, as stored) before any record that uses
    /// it, gives it at least <paramref name="life"/> and lists it; refused over the kind's limit.
    /// </summary>
    public static Task StoreAsync(IDatabaseAsync db, SharedKind kind, uint id, byte[] value, TimeSpan? life)
    {
        if (value.Length > kind.MaxStoredLength)
        {
            throw Errors.DictionaryTooLarge(kind.Noun, kind.Prefix + Hex(id), value.Length, kind.MaxStoredLength);
        }
        return Task.WhenAll(
            db.StringSetAsync(kind.Key(id), value, life, When.NotExists),
            ExtendAsync(db, kind, id, life),
            ListAsync(db, kind, id, life));
    }

    /// <summary><see cref="StoreAsync(IDatabaseAsync, CompressionDictionary, TimeSpan?)"/>, then makes it the current dictionary of <paramref name="objectName"/>.</summary>
    public static Task PublishAsync(IDatabaseAsync db, string objectName, CompressionDictionary dictionary, TimeSpan? life) =>
        PublishAsync(db, SharedKind.Dictionary, objectName, dictionary.Id, dictionary.Bytes, life);

    /// <summary>Stores a dictionary or base, then makes it the current one of <paramref name="objectName"/>.</summary>
    public static async Task PublishAsync(IDatabaseAsync db, SharedKind kind, string objectName, uint id, byte[] value, TimeSpan? life)
    {
        // Stored first: a pusher that reads the pointer must find it.
        await StoreAsync(db, kind, id, value, life);
        await db.HashSetAsync(kind.CurrentKey, objectName, Hex(id));
    }

    /// <summary>Each object's dictionary published, as a writer that trained them does before its records.</summary>
    public static Task PublishAllAsync(IDatabaseAsync db, IReadOnlyDictionary<string, CompressionDictionary> dictionaries, TimeSpan? life) =>
        Task.WhenAll(dictionaries.Select(d => PublishAsync(db, d.Key, d.Value, life)));

    /// <summary>Each object's dictionary and base published, as a writer that chose them does before its records.</summary>
    public static Task PublishAllAsync(IDatabaseAsync db, IReadOnlyDictionary<string, CompressionDictionary> dictionaries, IReadOnlyDictionary<string, LineDeltaEncoder> bases, TimeSpan? life) =>
        Task.WhenAll(bases.Select(b => PublishAsync(db, SharedKind.Base, b.Key, b.Value.Base.Id, b.Value.Base.ToRecord(), life)).Append(PublishAllAsync(db, dictionaries, life)));

    /// <summary>Gives the dictionary at least <paramref name="life"/> (null: no expiry); false when the server has no such key.</summary>
    public static Task<bool> ExtendAsync(IDatabaseAsync db, uint id, TimeSpan? life) => ExtendAsync(db, SharedKind.Dictionary, id, life);

    /// <summary>Gives the dictionary or base at least <paramref name="life"/> (null: no expiry); false when the server has no such key.</summary>
    public static Task<bool> ExtendAsync(IDatabaseAsync db, SharedKind kind, uint id, TimeSpan? life) => life is { } l
        ? db.KeyExpireAsync(kind.Key(id), l, ExpireWhen.GreaterThanCurrentExpiry)
        : db.KeyPersistAsync(kind.Key(id));

    /// <summary>Lists the dictionary for readers until <paramref name="life"/> ends (the later expiry wins).</summary>
    public static Task<bool> ListAsync(IDatabaseAsync db, uint id, TimeSpan? life) => ListAsync(db, SharedKind.Dictionary, id, life);

    /// <summary>Lists the dictionary or base for readers until <paramref name="life"/> ends (the later expiry wins).</summary>
    public static Task<bool> ListAsync(IDatabaseAsync db, SharedKind kind, uint id, TimeSpan? life) =>
        db.SortedSetAddAsync(kind.CatalogKey, Hex(id), KeyCatalog.Expiry(life, DateTimeOffset.UtcNow), SortedSetWhen.GreaterThan);

    /// <summary>The current dictionary id of each object (0: none), in one HMGET.</summary>
    public static Task<uint[]> CurrentAsync(IDatabaseAsync db, IReadOnlyList<string> objectNames) => CurrentAsync(db, SharedKind.Dictionary, objectNames);

    /// <summary>The current dictionary or base id of each object (0: none), in one HMGET.</summary>
    public static async Task<uint[]> CurrentAsync(IDatabaseAsync db, SharedKind kind, IReadOnlyList<string> objectNames)
    {
        var values = await db.HashGetAsync(kind.CurrentKey, objectNames.Select(n => (RedisValue)n).ToArray());
        return values.Select(ParseId).ToArray();
    }

    /// <summary>Every object's current dictionary id.</summary>
    public static async Task<Dictionary<string, uint>> AllCurrentAsync(IDatabaseAsync db) =>
        (await db.HashGetAllAsync(CurrentKey)).ToDictionary(e => e.Name.ToString(), e => ParseId(e.Value), StringComparer.Ordinal);

    /// <summary>The dictionary stored under <paramref name="id"/>, if it is usable (<see cref="CompressionDictionary.Fault"/>); read bounded.</summary>
    public static async Task<CompressionDictionary?> ReadAsync(IDatabaseAsync db, uint id)
    {
        var bytes = await ReadBoundedAsync(db, id);
        return bytes is not null && CompressionDictionary.Fault(id, bytes) is null ? new CompressionDictionary(bytes) : null;
    }

    /// <summary>
    /// The bytes under <paramref name="id"/>, at most one more than a dictionary may hold (so one
    /// over the limit is seen as such without being fetched whole); null when the key is missing.
    /// </summary>
    public static Task<byte[]?> ReadBoundedAsync(IDatabaseAsync db, uint id) => ReadBoundedAsync(db, SharedKind.Dictionary, id);

    /// <summary>The same for a dictionary or a base.</summary>
    public static async Task<byte[]?> ReadBoundedAsync(IDatabaseAsync db, SharedKind kind, uint id) =>
        (byte[]?)await db.StringGetRangeAsync(kind.Key(id), 0, kind.MaxStoredLength) is { Length: > 0 } bytes ? bytes : null;

    /// <summary>
    /// The server's dictionaries: each object's current one (by object name), then the others its
    /// catalog still lists for readers (kept for records written with them), with size and life.
    /// </summary>
    public static async Task<List<Query.DictionaryEntry>> DescribeAsync(IDatabaseAsync db, string core, string server)
    {
        var current = await AllCurrentAsync(db);
        var listed = await db.SortedSetRangeByScoreAsync(KeyCatalog.DictionariesKey, KeyCatalog.OldestLiveScore());
        var others = listed.Select(ParseId).Where(id => id != 0).Except(current.Values).Distinct();
        var entries = current.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => new Query.DictionaryEntry(core, server, c.Key, c.Value))
            .Concat(others.Order().Select(id => new Query.DictionaryEntry(core, server, null, id)))
            .ToList();
        var sizes = entries.Select(e => db.StringLengthAsync(SharedKind.Dictionary.Key(e.Id))).ToArray();
        var lives = entries.Select(e => db.KeyTimeToLiveAsync(SharedKind.Dictionary.Key(e.Id))).ToArray();
        await Task.WhenAll(sizes.Concat<Task>(lives));
        for (var i = 0; i < entries.Count; i++)
        {
            // A dictionary is never empty: length 0 means the key is gone.
            var bytes = await sizes[i];
            entries[i] = entries[i] with { Bytes = bytes > 0 ? bytes : null, ExpiresIn = await lives[i] };
        }
        return entries;
    }
}
