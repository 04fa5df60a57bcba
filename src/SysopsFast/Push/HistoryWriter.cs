using StackExchange.Redis;
using SysopsFast.Format;

namespace SysopsFast.Push;

/// <summary>
/// Writes a changed record together with its history (docs/FORMAT.md, "History"): reads the record
/// being replaced and its list, builds the replaced version's entry, and in one transaction sets
/// the record, pushes the entry, trims the list to what <see cref="HistoryRetention"/> keeps and
/// gives it the record's expiry, on condition that neither changed since they were read. A lost
/// race starts again; after <see cref="Attempts"/> the object fails and its old state stays.
/// </summary>
/// <param name="db">The server written to.</param>
/// <param name="retention">What the lists keep.</param>
/// <param name="lend">Adds to a set the dictionary or base a header names, when the writer holds it, to decode records with.</param>
internal sealed class HistoryWriter(IDatabase db, HistoryRetention retention, Action<CompressionDictionaries, RecordHeader>? lend = null)
{
    /// <summary>Tries per object before it fails: each lost one means another writer changed the key meanwhile.</summary>
    public const int Attempts = 5;

    /// <summary>
    /// Replaces <paramref name="key"/>'s record by <paramref name="record"/> (of <paramref name="contents"/>;
    /// <paramref name="hasContents"/> false when omitted). Null when done, else a one-line reason.
    /// </summary>
    public async Task<string?> WriteAsync(string key, byte[] record, ReadOnlyMemory<byte> contents, bool hasContents, KeyLife ttl)
    {
        var historyKey = (RedisKey)HistoryKey.Of(key);
        for (var attempt = 0; attempt < Attempts && !_refused; attempt++)
        {
            var transaction = retention.Off || Note is not null
                ? Unkept(key, historyKey, record, ttl)
                : await KeptOrNoneAsync(key, historyKey, record, contents, hasContents, ttl);
            if (await ExecuteAsync(transaction))
            {
                return null;
            }
        }
        if (_refused)
        {
            // As push wrote before history: the SET's own refusal (NOPERM, OOM) is then reported as any write's.
            await ttl.Set(db, key, record);
            return null;
        }
        return $"{key}: changed by another writer {Attempts} times while this one wrote it; left as it was, with its history";
    }

    /// <summary>
    /// A version with a time of its own (an older version of a dump tree, a migrated record), written
    /// as <see cref="WriteAsync(string, byte[], KeyLife)"/> writes a record, unless the server holds a
    /// record stored at that time or later: a version never replaces a newer one, so versions written
    /// oldest first rebuild a history, and writing them again changes nothing. Null when done or left
    /// out (<paramref name="written"/> says which), else a one-line reason.
    /// </summary>
    public async Task<string?> WriteDatedAsync(string key, byte[] record, KeyLife ttl, Action<bool>? written = null)
    {
        if (RecordHeader.TryRead(record, out var header, out _) && await StoredSinceAsync(key, header.InsertedUnixMs))
        {
            written?.Invoke(false);
            return null;
        }
        written?.Invoke(true);
        return await WriteAsync(key, record, ttl);
    }

    /// <summary>Whether <paramref name="key"/> holds a record whose header says it was stored at <paramref name="insertedUnixMs"/> or later.</summary>
    private async Task<bool> StoredSinceAsync(string key, long insertedUnixMs)
    {
        var head = (byte[]?)await db.StringGetRangeAsync(key, 0, RecordHeader.Size - 1);
        return head is not null && RecordHeader.TryRead(head, out var stored, out _) && stored.InsertedUnixMs >= insertedUnixMs;
    }

    /// <summary>As <see cref="WriteAsync(string, byte[], ReadOnlyMemory{byte}, bool, KeyLife)"/>, the contents decoded from <paramref name="record"/> (none when they cannot be: then the replaced version is stored self-contained).</summary>
    public Task<string?> WriteAsync(string key, byte[] record, KeyLife ttl)
    {
        var contents = Decoded(record, out var header);
        return WriteAsync(key, record, contents ?? default, contents is not null && (header.Flags & RecordFlags.Omitted) == 0, ttl);
    }

    /// <summary>The contents of <paramref name="record"/>, md5 checked; null when it cannot be decoded here.</summary>
    private byte[]? Decoded(ReadOnlySpan<byte> record, out RecordHeader header)
    {
        if (!RecordHeader.TryRead(record, out header, out _))
        {
            return null;
        }
        using var known = new CompressionDictionaries();
        lend?.Invoke(known, header);
        using var decoder = new RecordDecoder(known) { CheckMd5 = true };
        return decoder.TryDecode(record, out _, out var contents, out _) ? contents.ToArray() : null;
    }

    /// <summary>Set once the server refused a transaction as a whole: this writer then writes records alone.</summary>
    private volatile bool _refused;

    /// <summary>
    /// Runs the transaction. One the server refuses as a whole (EXECABORT: a command queued in it was
    /// refused: an ACL from before history without MULTI/EXEC or the history keys, a key this user may
    /// not write, a full server) makes this writer keep no history and say so; the record is then
    /// written alone, so that its own refusal, if any, reads as it did before history.
    /// </summary>
    private async Task<bool> ExecuteAsync(ITransaction transaction)
    {
        try
        {
            return await transaction.ExecuteAsync();
        }
        catch (RedisServerException e) when (e.Message.StartsWith("EXECABORT", StringComparison.Ordinal))
        {
            Note ??= $"no history kept: the server refused the transaction that keeps it ({e.Message.TrimEnd('.')}; `acl` writes the rules this version needs, docs/SECURITY.md)";
            _refused = true;
            return false;
        }
    }

    /// <summary>Why no history was kept although asked for (a user that may not read records), or null.</summary>
    public string? Note { get; private set; }

    /// <summary>
    /// The transaction keeping history; a user that may not read the record it replaces (the shared
    /// pusher, docs/SECURITY.md) keeps none, and says so once.
    /// </summary>
    private async Task<ITransaction> KeptOrNoneAsync(string key, RedisKey historyKey, byte[] record, ReadOnlyMemory<byte> contents, bool hasContents, KeyLife ttl)
    {
        try
        {
            return await KeptAsync(key, historyKey, record, contents, hasContents, ttl);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOPERM", StringComparison.Ordinal))
        {
            Note = "no history kept: this user may not read the records it replaces (the shared pusher's ACL; per-host pushers keep it, docs/SECURITY.md); changed objects' lists were emptied";
            return Unkept(key, historyKey, record, ttl);
        }
    }

    /// <summary>No history kept: the record set and any list left from before emptied, together.</summary>
    private ITransaction Unkept(string key, RedisKey historyKey, byte[] record, KeyLife ttl)
    {
        var transaction = db.CreateTransaction();
        _ = ttl.Set(transaction, key, record);
        _ = transaction.ListTrimAsync(historyKey, 1, 0);
        return transaction;
    }

    private async Task<ITransaction> KeptAsync(string key, RedisKey historyKey, byte[] record, ReadOnlyMemory<byte> contents, bool hasContents, KeyLife ttl)
    {
        var oldTask = db.StringGetAsync(key);
        var list = await db.ListRangeAsync(historyKey);
        var old = (byte[]?)await oldTask;
        record = KeepingVersionTime(old, record);
        var transaction = db.CreateTransaction();
        transaction.AddCondition(old is null ? Condition.KeyNotExists(key) : Condition.StringEqual(key, old));
        transaction.AddCondition(Condition.ListLengthEqual(historyKey, list.Length));
        _ = ttl.Set(transaction, key, record);
        if (old is null)
        {
            // A list without its record is stale: a new chain never starts relative to a version that is gone.
            _ = transaction.ListTrimAsync(historyKey, 1, 0);
            return transaction;
        }
        var entries = Entries(old, record, contents.Span, hasContents, list);
        if (entries.Kept == 0)
        {
            _ = transaction.ListTrimAsync(historyKey, 1, 0);
            return transaction;
        }
        if (entries.Entry is { } entry)
        {
            _ = transaction.ListLeftPushAsync(historyKey, entry);
        }
        _ = transaction.ListTrimAsync(historyKey, 0, entries.Kept - 1);
        _ = ttl.Expire(transaction, historyKey);
        return transaction;
    }

    /// <summary>
    /// <paramref name="record"/>, stamped with the stored record's time when both hold the same
    /// version (same md5 and omitted flag: a new dictionary, new stat, or an import of an unchanged
    /// tree): a version's time is when its contents were first stored, which <c>--as-of</c> relies on.
    /// </summary>
    private static byte[] KeepingVersionTime(byte[]? old, byte[] record)
    {
        if (old is null || !RecordHeader.TryRead(old, out var oldHeader, out _) || !RecordHeader.TryRead(record, out var newHeader, out _)
            || oldHeader.Md5 != newHeader.Md5 || oldHeader.Flags != newHeader.Flags || oldHeader.InsertedUnixMs == newHeader.InsertedUnixMs)
        {
            return record;
        }
        var stamped = (byte[])record.Clone();
        (newHeader with { InsertedUnixMs = oldHeader.InsertedUnixMs }).WriteTo(stamped);
        return stamped;
    }

    /// <summary>
    /// The entry of the replaced version (none when it is the same version: same md5 and omitted
    /// flag, as a racing writer of the same contents leaves it) and how many entries the list keeps.
    /// </summary>
    private (byte[]? Entry, int Kept) Entries(byte[] old, byte[] record, ReadOnlySpan<byte> contents, bool hasContents, RedisValue[] list)
    {
        var readable = RecordHeader.TryRead(old, out var oldHeader, out _);
        RecordHeader.TryRead(record, out var newHeader, out _);
        if (readable && oldHeader.Md5 == newHeader.Md5 && oldHeader.Flags == newHeader.Flags)
        {
            return (null, Retained(list.Select(e => (byte[])e!), newHeader.InsertedUnixMs));
        }
        var entry = readable ? Build(old, oldHeader, contents, hasContents) : old;
        return (entry, Retained([entry, .. list.Select(e => (byte[])e!)], newHeader.InsertedUnixMs));
    }

    /// <summary>
    /// Entries kept, newest first: at most Versions − 1, and none from the first whose replacing
    /// version (the one before it in the list, or the current record) was stored over MaxAge ago.
    /// </summary>
    private int Retained(IEnumerable<byte[]> entries, long currentInserted)
    {
        var oldest = DateTimeOffset.UtcNow.Add(-retention.MaxAge).ToUnixTimeMilliseconds();
        var replacedAt = currentInserted;
        var kept = 0;
        foreach (var entry in entries)
        {
            if (kept == retention.Versions - 1 || replacedAt < oldest)
            {
                break;
            }
            kept++;
            // An unreadable entry's time is unknown: the entries after it are judged by the one before.
            if (RecordHeader.TryRead(entry, out var header, out _, versionEntry: true))
            {
                replacedAt = header.InsertedUnixMs;
            }
        }
        return kept;
    }

    /// <summary>
    /// The replaced version's entry. Its contents are decoded (with the dictionary or base this
    /// pusher holds) so that it can be stored relative to the new contents, or, when that is not
    /// smaller, without the dictionary or base it named: a kept entry must not depend on a shared
    /// key that may expire before the list. Undecodable, its bytes are kept as they were.
    /// </summary>
    private byte[] Build(byte[] old, RecordHeader oldHeader, ReadOnlySpan<byte> newer, bool newerHasContents)
    {
        if ((oldHeader.Flags & RecordFlags.Omitted) != 0 || Decoded(old, out _) is not { } oldContents)
        {
            return old;
        }
        // The self-contained form that would be kept is what the relative one must beat: for a record
        // naming a dictionary or base, its LZ4 form (weighing the old bytes kept a 1.5 KB LZ4 entry
        // where a 125-byte relative one lost to a 125-byte line delta record).
        var selfContained = oldHeader.Codec is PayloadCodec.ZstdDictionary or PayloadCodec.LineDelta
            ? RecordEncoder.Encode(oldContents, oldHeader.Stat, oldHeader.InsertedUnixMs, PayloadCodec.Lz4, long.MaxValue)
            : old;
        return VersionEntry.Build(selfContained, oldHeader, oldContents, newer, newerHasContents);
    }
}
