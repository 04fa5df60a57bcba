using StackExchange.Redis;
using SysopsFast.Format;

namespace SysopsFast.Redis;

/// <summary>
/// What records share per object and name by an id in their header: compression dictionaries
/// (codec 3) and line delta bases (codec 4). Both are kept alike on a server (docs/FORMAT.md): the
/// value under <c>&lt;prefix&gt;&lt;id as 8 hex&gt;</c>, a catalog sorted set of ids scored by expiry
/// that readers load, and a hash naming each object's current one, which push writes with.
/// </summary>
internal sealed class SharedKind
{
    public static readonly SharedKind Dictionary = new("dictionary", "#dict:", KeyCatalog.DictionariesKey, CompressionDictionary.MaxStoredSize);

    public static readonly SharedKind Base = new("base", "#base:", KeyCatalog.BasesKey, LineBase.MaxStoredLength);

    private SharedKind(string noun, string prefix, byte[] catalogKey, int maxStoredLength)
    {
        Noun = noun;
        Prefix = prefix;
        CurrentKey = prefix + "current";
        CatalogKey = catalogKey;
        MaxStoredLength = maxStoredLength;
    }

    /// <summary>"dictionary" or "base", for messages.</summary>
    public string Noun { get; }

    /// <summary><c>#dict:</c> or <c>#base:</c>.</summary>
    public string Prefix { get; }

    /// <summary>The hash object name → id (8 hex digits) of its current one.</summary>
    public string CurrentKey { get; }

    /// <summary>The sorted set of ids readers load, scored by expiry.</summary>
    public byte[] CatalogKey { get; }

    /// <summary>The longest value a writer stores or a reader fetches.</summary>
    public int MaxStoredLength { get; }

    public RedisKey Key(uint id) => Prefix + DictionaryStore.Hex(id);
}
