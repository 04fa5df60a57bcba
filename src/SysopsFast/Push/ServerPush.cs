using System.Buffers.Binary;
using StackExchange.Redis;
using SysopsFast.Format;
using SysopsFast.Redis;

namespace SysopsFast.Push;

/// <summary>
/// One server's part of a push, within its own timeout: the dictionary of each object there
/// (<see cref="DictionarySelector"/>), which objects the server already holds, then the writes.
/// Unchanged means the same contents compressed with the same dictionary, or as a delta of the
/// same base: the <see cref="PushLedger"/> says the server was given them and the key is still
/// there (no read needed), or else the stored header says so, where the user may read records.
/// Where the base's id already says so, the record is not made at all.
/// </summary>
internal sealed class ServerPush(PushRecords push, ServerAddress server)
{
    private readonly string _name = server.ToString();

    public async Task<PushOutcome> RunAsync(RedisConnections connections, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var db = await connections.DatabaseAsync(server, deadline.Token);
            return await PushAsync(db, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed($"no answer within {timeout.TotalSeconds:F0} s");
        }
        catch (SysopsFastException e)
        {
            return Failed(e.Message);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return Failed((Errors.ConfigurationError(_name, e)?.Message ?? e.Message).Split('\n')[0]);
        }
    }

    private PushOutcome Failed(string why) => new(_name, 0, 0, why);

    private async Task<PushOutcome> PushAsync(IDatabase db, CancellationToken token)
    {
        var objects = push.Objects;
        var dictionaries = DictionarySelector.SelectAsync(db, push);
        var bases = DictionarySelector.SelectBasesAsync(db, push);
        var (chosen, refusal) = await dictionaries.WaitAsync(token);
        var (deltas, baseRefusal) = await bases.WaitAsync(token);
        var keys = Enumerable.Range(0, objects.Count).Select(push.KeyOf).ToArray();
        // The id a record names: with a base, that of the smaller form, which needs the record made.
        uint IdOf(int i) => deltas[i] is null ? chosen[i]?.Id ?? 0 : RecordIdOf(push.Encoded(i, chosen[i], deltas[i]));
        var held = await Task.WhenAll(keys.Select((k, i) => UnchangedAsync(db, k, objects[i], deltas[i]?.Base.Id ?? 0, () => IdOf(i)))).WaitAsync(token);
        var ids = held.Select((id, i) => id ?? IdOf(i)).ToArray();
        var writes = new List<Task>();
        var history = new HistoryWriter(db, push.History, push.Dictionaries.Lend);
        var changes = new List<(int Index, Task<string?> Done)>();
        long bytes = 0;
        for (var i = 0; i < objects.Count; i++)
        {
            if (held[i] is null)
            {
                var record = push.Encoded(i, chosen[i], deltas[i]);
                bytes += record.Length;
                changes.Add((i, history.WriteAsync(keys[i], record, objects[i].Contents, !objects[i].Omitted, push.Ttl)));
            }
        }
        var outcomes = await Task.WhenAll(changes.Select(c => c.Done)).WaitAsync(token);
        var failed = changes.Where((_, n) => outcomes[n] is not null).Select(c => c.Index).ToHashSet();
        var failures = outcomes.OfType<string>().ToList();
        var written = changes.Count - failures.Count;
        var expiryScore = KeyCatalog.Expiry(push.Ttl, DateTimeOffset.UtcNow);
        // The host's name indexed before the catalog lists it (docs/FORMAT.md, "Host-name index").
        writes.Add(KeyCatalog.AddHostGrams(db, HostNameGrams.Of(push.Hostname)));
        foreach (var o in objects)
        {
            writes.AddRange(KeyCatalog.Add(db, push.Hostname, o.Name, expiryScore));
        }
        // Listed for readers as long as the records written or refreshed with them.
        var life = DictionaryStore.LifeFor(push.Ttl);
        writes.AddRange(ids.Select((id, i) => (Id: id, Kind: deltas[i]?.Base.Id == id ? SharedKind.Base : SharedKind.Dictionary)).Where(u => u.Id != 0).Distinct()
            .Select(u => DictionaryStore.ListAsync(db, u.Kind, u.Id, life)));
        await Task.WhenAll(writes).WaitAsync(token);
        // An object that failed keeps its old record: the ledger must not call it written.
        push.Ledger.Record(_name, keys.Select((k, i) => (k, objects[i].Md5, ids[i], objects[i].Omitted)).Where((_, i) => !failed.Contains(i)));
        return new PushOutcome(_name, written, objects.Count - changes.Count, failures.Count == 0 ? null : $"{failures.Count} object(s) not written: {failures[0]}")
        {
            BytesWritten = bytes,
            WithDictionary = ids.Count(id => id != 0),
            Note = refusal ?? baseRefusal ?? history.Note,
        };
    }

    /// <summary>The dictionary or base id a record names (header bytes 84–87).</summary>
    private static uint RecordIdOf(byte[] record) => BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(DictionaryIdOffset));

    /// <summary>
    /// The id the key's record names when it holds this object unchanged, its expiry then refreshed;
    /// null when it must be written. A delta of the same contents against the current base
    /// (<paramref name="baseId"/>, 0: none) is unchanged without making the record; only otherwise
    /// is <paramref name="id"/> (the id of the record this push would write) asked.
    /// </summary>
    private async Task<uint?> UnchangedAsync(IDatabaseAsync db, string key, PushObject o, uint baseId, Func<uint> id)
    {
        if (LedgerId(key, o, baseId, id) is { } held)
        {
            return await RefreshAsync(db, key) ? held : null;
        }
        return await SameRecordAsync(db, key, o, baseId, id);
    }

    /// <summary>The id the ledger says the server was given this object with, if it is one this push would write.</summary>
    private uint? LedgerId(string key, PushObject o, uint baseId, Func<uint> id) =>
        push.Ledger.IdHeld(_name, key, o.Md5, o.Omitted) is { } held && ((baseId != 0 && held == baseId) || held == id()) ? held : null;

    /// <summary>
    /// Refreshes the key's expiry, and its history's when history is kept (with it off, a list left
    /// from before is emptied by the object's next change); false when the key is gone (then it must be sent).
    /// </summary>
    private async Task<bool> RefreshAsync(IDatabaseAsync db, string key)
    {
        var history = push.History.Off ? null : HistoryKey.Of(key);
        if (push.Ttl is { } t)
        {
            if (history is not null)
            {
                _ = db.KeyExpireAsync(history, t, CommandFlags.FireAndForget);
            }
            return await db.KeyExpireAsync(key, t);
        }
        if (history is not null)
        {
            _ = db.KeyPersistAsync(history, CommandFlags.FireAndForget);
        }
        var persist = db.KeyPersistAsync(key);
        var exists = await db.KeyExistsAsync(key);
        await persist;
        return exists;
    }

    /// <summary>Header bytes 6–87 (flags … dictionary id): what decides "unchanged" without reading the record.</summary>
    private const int FlagsOffset = 6;

    private const int Md5Offset = 24;

    private const int DictionaryIdOffset = 84;

    /// <summary>
    /// The stored record's id when it has this md5 and names the base or this push's dictionary, and
    /// holds its contents or not as this push would (a changed size cap changes that), from 82 bytes
    /// of its header (not the record), its expiry then refreshed. A user that may not read records
    /// (NOPERM) sends it.
    /// </summary>
    private async Task<uint?> SameRecordAsync(IDatabaseAsync db, string key, PushObject o, uint baseId, Func<uint> id)
    {
        byte[]? stored;
        try
        {
            stored = await db.StringGetRangeAsync(key, FlagsOffset, DictionaryIdOffset + 3);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOPERM", StringComparison.Ordinal))
        {
            return null;
        }
        if (stored is not { Length: DictionaryIdOffset + 4 - FlagsOffset }
            || ((BinaryPrimitives.ReadUInt16LittleEndian(stored) & (ushort)Format.RecordFlags.Omitted) != 0) != o.Omitted
            || BinaryPrimitives.ReadUInt128BigEndian(stored.AsSpan(Md5Offset - FlagsOffset)) != o.Md5)
        {
            return null;
        }
        var storedId = BinaryPrimitives.ReadUInt32LittleEndian(stored.AsSpan(DictionaryIdOffset - FlagsOffset));
        if (!(baseId != 0 && storedId == baseId) && storedId != id())
        {
            return null;
        }
        return await RefreshAsync(db, key) ? storedId : null;
    }
}
