using System.Text;
using StackExchange.Redis;

namespace SysopsFast.Redis;

/// <summary>
/// The key catalog (docs/FORMAT.md, "Key catalog"): for each object name a sorted set of the hosts
/// that hold it, scored by the key's expiry time, plus sorted sets of every host and every object
/// name, and the host-name index (<see cref="HostNameGrams"/>). Writers (push, import, fleet generate) add to it beside each SET; queries read it instead
/// of sweeping the keyspace with SCAN, so discovery costs O(matching keys).
/// Its keys begin with <c>#</c>: an empty host part, which no object key can have.
/// </summary>
internal static class KeyCatalog
{
    public const string Prefix = "#catalog:";

    /// <summary>Members: every host name, scored by its latest key's expiry.</summary>
    public static readonly byte[] HostsKey = Encoding.UTF8.GetBytes(Prefix + "hosts");

    /// <summary>Members: every object name, scored by its latest key's expiry.</summary>
    public static readonly byte[] ObjectsKey = Encoding.UTF8.GetBytes(Prefix + "objects");

    /// <summary>Members: every 1-, 2- and 3-byte substring of every host name (<see cref="HostNameGrams"/>), score 0.</summary>
    public static readonly byte[] HostGramsKey = Encoding.UTF8.GetBytes(Prefix + "hostgrams");

    /// <summary>
    /// Exists once every host of <see cref="HostsKey"/> has its grams in <see cref="HostGramsKey"/>
    /// (set by <c>catalog index</c>, or by a writer that created the catalog). Outside
    /// <see cref="Prefix"/>, where pushers may ZADD: no pusher can make readers trust an index.
    /// </summary>
    public static readonly byte[] HostGramsCompleteKey = "#hostgrams:complete"u8.ToArray();

    /// <summary>Members: ids (8 hex digits) of the compression dictionaries in use, scored by expiry.</summary>
    public static readonly byte[] DictionariesKey = Encoding.UTF8.GetBytes(Prefix + "dicts");

    /// <summary>Members: ids (8 hex digits) of the line delta bases in use, scored by expiry.</summary>
    public static readonly byte[] BasesKey = Encoding.UTF8.GetBytes(Prefix + "bases");

    /// <summary>A dictionary (a base) outlives the records written with it by this much.</summary>
    public static readonly TimeSpan DictionaryExtraLife = TimeSpan.FromHours(1);

    public static RedisKey DictionaryKey(uint id) => SharedKind.Dictionary.Key(id);

    private static readonly byte[] ObjectPrefix = Encoding.UTF8.GetBytes(Prefix + "object:");

    /// <summary>
    /// Entries are dropped this long after their expiry, not at it: writers stamp expiry with their
    /// own clock, and a key the catalog lists after it expired costs one nil in an MGET, no more.
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(10);

    /// <summary>The lowest score a reader still takes as live (now − <see cref="Grace"/>).</summary>
    public static long OldestLiveScore() => (DateTimeOffset.UtcNow - Grace).ToUnixTimeMilliseconds();

    public static RedisKey HostsOf(string objectName) => Prefix + "object:" + objectName;

    public static byte[] HostsOf(ReadOnlySpan<byte> objectName) => [.. ObjectPrefix, .. objectName];

    /// <summary>The score of an entry: the key's expiry in Unix milliseconds, or +inf for a key that never expires.</summary>
    public static double Expiry(TimeSpan? ttl, DateTimeOffset now) => ttl is { } t ? (now + t).ToUnixTimeMilliseconds() : double.PositiveInfinity;

    /// <summary>Lists one host's object; the host and object sets keep the latest expiry (GT).</summary>
    public static Task[] Add(IDatabaseAsync db, string host, string objectName, double expiry) =>
    [
        db.SortedSetAddAsync(HostsOf(objectName), host, expiry),
        db.SortedSetAddAsync(ObjectsKey, objectName, expiry, SortedSetWhen.GreaterThan),
        db.SortedSetAddAsync(HostsKey, host, expiry, SortedSetWhen.GreaterThan),
    ];

    /// <summary>Adds a host's grams to the host-name index (NX: a gram already there is left alone); send it before the host's catalog entries.</summary>
    public static Task AddHostGrams(IDatabaseAsync db, List<byte[]> grams) =>
        grams.Count == 0 ? Task.CompletedTask : db.SortedSetAddAsync(HostGramsKey, [.. grams.Select(g => new SortedSetEntry(g, 0))], SortedSetWhen.NotExists);

    /// <summary>Members of the dictionary list read per ZSCAN round trip.</summary>
    private const int DictionaryPage = 1000;

    /// <summary>Loads every live dictionary and base of a server into <paramref name="into"/>; returns warnings for bad ones.</summary>
    internal static async Task<List<string>> LoadDictionariesAsync(IQueryServer server, Format.CompressionDictionaries into)
    {
        var warnings = await LoadAsync(server, SharedKind.Dictionary, into);
        warnings.AddRange(await LoadAsync(server, SharedKind.Base, into.Bases));
        return warnings;
    }

    /// <summary>Loads every live dictionary (or base) a server lists into <paramref name="into"/>; returns warnings for bad ones.</summary>
    private static async Task<List<string>> LoadAsync(IQueryServer server, SharedKind kind, Format.ISharedSet into)
    {
        var warnings = new List<string>();
        var oldest = OldestLiveScore();
        // Any pusher may ZADD this set (push lists the dictionaries its records use), so it is read a
        // ZSCAN page at a time, members that cannot be an id never copied, and only ids whose
        // dictionary exists kept: fake members cost server time, never client memory or an answer.
        var parsed = new HashSet<uint>();
        await foreach (var page in server.SortedSetScanAsync(kind.CatalogKey, null, DictionaryPage, CancellationToken.None, maxMemberLength: 8))
        {
            // A dictionary's id is the hash of its bytes: one already loaded (an earlier query of
            // the same FleetQuery) is the same dictionary and is not fetched again.
            var ids = new HashSet<uint>();
            for (var i = 0; i < page.Count; i++)
            {
                var member = page.Members[i];
                if (page.Score(i) >= oldest && member.Length == 8
                    && uint.TryParse(member, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var id)
                    && id != 0 && !parsed.Contains(id) && !into.Has(id))
                {
                    ids.Add(id);
                }
            }
            if (ids.Count == 0)
            {
                continue;
            }
            uint[] wanted = [.. ids];
            var exists = await server.KeysExistAsync([.. wanted.Select(id => (byte[])kind.Key(id)!)]);
            parsed.UnionWith(wanted.Where((_, i) => exists[i]));
        }
        // A few at a time, each read bounded: however big the values stored as dictionaries, the
        // client holds at most MaxStoredSize bytes of each and a few of them in flight.
        foreach (var chunk in parsed.Order().Chunk(8))
        {
            var values = await server.GetBoundedAsync([.. chunk.Select(id => (byte[])kind.Key(id)!)], kind.MaxStoredLength + 1);
            for (var i = 0; i < chunk.Length; i++)
            {
                if (values[i].Bytes is not { } bytes)
                {
                    continue; // expired: records that need it are reported one by one
                }
                if (!into.TryAdd(chunk[i], bytes, values[i].Length))
                {
                    warnings.Add($"{into.RefusalOf(chunk[i])}; records {(kind == SharedKind.Base ? "written against" : "compressed with")} it are reported as corrupt");
                }
            }
        }
        return warnings;
    }

    /// <summary>A score as Redis prints it ("1764089200000", "inf").</summary>
    internal static double ParseScore(ReadOnlySpan<byte> text) =>
        text.SequenceEqual("inf"u8) || text.SequenceEqual("+inf"u8) ? double.PositiveInfinity
        : text.SequenceEqual("-inf"u8) ? double.NegativeInfinity
        : System.Buffers.Text.Utf8Parser.TryParse(text, out double value, out var used) && used == text.Length ? value
        : throw new InvalidDataException("bad score in the key catalog");

    /// <summary>Whether a key (or a SCAN result) is one of the catalog's own.</summary>
    public static bool IsHousekeeping(ReadOnlySpan<byte> key) => key.Length > 0 && key[0] == (byte)ObjectKey.Separator;
}
