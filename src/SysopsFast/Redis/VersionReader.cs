using SysopsFast.Format;

namespace SysopsFast.Redis;

/// <summary>
/// Reads keys' current records and history lists together from one server and rebuilds their
/// versions (<see cref="VersionChain"/>), for <c>history</c> and <c>dump --all-versions</c>. The
/// server's dictionaries and bases are loaded the first time a record or entry needs one not loaded
/// yet, and not again: the catalog is read whole, so an id it refused or no longer lists would
/// otherwise read it again for every batch of keys.
/// </summary>
internal sealed class VersionReader(IQueryServer db, CompressionDictionaries loaded)
{
    private bool _sharedLoaded;

    /// <summary>Keys whose records and lists one round trip reads: a list holds a few versions, so a reply stays well under the reply limit.</summary>
    public const int KeysPerRead = 32;

    /// <summary>Each key's versions, newest (the current record) first; null for a key gone since it was listed. A server's failure is its one-line error.</summary>
    public async Task<List<StoredVersion>?[]> ReadAsync(byte[][] keys)
    {
        (byte[]? Bytes, long Length)[] current;
        byte[][][] entries;
        try
        {
            var records = db.GetBoundedAsync(keys, RecordDecoder.MaxRecordLength);
            var lists = db.ListRangesAsync([.. keys.Select(k => HistoryKey.Of(k))]);
            (current, entries) = (await records, await lists);
            if (!_sharedLoaded && current.Select(c => c.Bytes).Concat(entries.SelectMany(e => e)).Any(NeedsShared))
            {
                await KeyCatalog.LoadDictionariesAsync(db, loaded);
                _sharedLoaded = true;
            }
        }
        catch (Exception e) when (RedisFailure.From(db.Name, e) is { } failure && failure != e)
        {
            throw failure;
        }
        using var decoder = new RecordDecoder(loaded);
        var chain = new VersionChain(decoder);
        var versions = new List<StoredVersion>?[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            if (current[i].Bytes is { } record)
            {
                versions[i] = [.. chain.Read(record, [.. entries[i].Select(e => (ReadOnlyMemory<byte>)e)])];
            }
        }
        return versions;
    }

    /// <summary>Whether a record is compressed with a dictionary, or written against a base, not loaded yet.</summary>
    private bool NeedsShared(byte[]? record)
    {
        if (record is null || !RecordHeader.TryRead(record, out var header, out _, versionEntry: true) || header.DictionaryId == 0)
        {
            return false;
        }
        ISharedSet set = header.Codec == PayloadCodec.LineDelta ? loaded.Bases : loaded;
        return !set.Has(header.DictionaryId);
    }
}
