using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using SysopsFast.Format;
using SysopsFast.Pipeline;
using SysopsFast.Redis;

namespace SysopsFast.Query;

/// <summary>
/// The history stage of <c>verify</c> (docs/FORMAT.md, "History"): each server's history list of
/// every key it holds is read (LRANGE, <see cref="KeysPerRead"/> keys a round trip) and reduced to a
/// fingerprint of its entries' md5s and times, from their headers; a key whose fingerprints differ
/// between servers is read again from each, to say at which version they first differ.
/// </summary>
internal static class ReplicaHistories
{
    /// <summary>History lists per round trip: a list holds a few versions, so a reply stays well under the reply limit.</summary>
    public const int KeysPerRead = 32;

    /// <summary>Fingerprints the lists of the keys <paramref name="server"/> (a column of <paramref name="table"/>) holds; what it read, as a cost.</summary>
    public static async Task<ServerCost> FingerprintAsync(IQueryServer db, ReplicaKeyTable table, int server, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long bytes = 0;
        foreach (var chunk in table.KeysOn(server).Chunk(KeysPerRead))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var lists = await ReadAsync(db, chunk);
            for (var i = 0; i < chunk.Length; i++)
            {
                bytes += lists[i].Sum(e => (long)e.Length);
                table.History(server, chunk[i], Fingerprint(lists[i]));
            }
        }
        return new ServerCost(db.Name, 0, bytes, 0, clock.Elapsed);
    }

    /// <summary>
    /// For each key whose histories differ, the row saying where: the first version (1 = the newest
    /// entry) at which the servers' entries differ, each server's entry there (md5 and time stored,
    /// corrupt, or none when its list is shorter).
    /// </summary>
    public static async Task<List<ReplicaDriftRow>> FirstDifferencesAsync(string core, IReadOnlyDictionary<int, (IQueryServer Db, string Name)> servers, IReadOnlyList<(byte[] Key, int[] Holders)> drift)
    {
        var rows = new List<ReplicaDriftRow>();
        foreach (var chunk in drift.Chunk(KeysPerRead))
        {
            var keys = chunk.Select(d => d.Key).ToArray();
            var read = await Task.WhenAll(servers.Select(async s => (s.Key, Lists: await ReadAsync(s.Value.Db, keys))));
            var lists = read.ToDictionary(r => r.Key, r => r.Lists);
            for (var k = 0; k < chunk.Length; k++)
            {
                var (key, holders) = chunk[k];
                var entries = holders.Select(h => lists[h][k]).ToArray();
                var at = FirstDifference(entries);
                var copies = holders.Select((h, i) => Copy(servers[h].Name, entries[i], at)).ToArray();
                rows.Add(new ReplicaDriftRow(core, ObjectKey.Display(key), ReplicaProblem.History, copies) { KeyBytes = key, Version = at + 1 });
            }
        }
        return rows;
    }

    private static async Task<byte[][][]> ReadAsync(IQueryServer db, byte[][] keys)
    {
        try
        {
            return await db.ListRangesAsync([.. keys.Select(k => HistoryKey.Of(k))]);
        }
        catch (Exception e) when (RedisFailure.From(db.Name, e) is { } failure && failure != e)
        {
            throw failure;
        }
    }

    /// <summary>
    /// A hash of the entries' md5s and times in order (0 for no history); a corrupt entry makes it
    /// null: a copy that cannot be read cannot be shown to agree.
    /// </summary>
    internal static ulong? Fingerprint(byte[][] entries)
    {
        var hash = new XxHash64();
        Span<byte> item = stackalloc byte[24];
        foreach (var entry in entries)
        {
            if (!RecordHeader.TryRead(entry, out var header, out _, versionEntry: true))
            {
                return null;
            }
            BinaryPrimitives.WriteUInt128LittleEndian(item, header.Md5);
            BinaryPrimitives.WriteInt64LittleEndian(item[16..], header.InsertedUnixMs);
            hash.Append(item);
        }
        return entries.Length == 0 ? 0 : hash.GetCurrentHashAsUInt64();
    }

    /// <summary>The first index at which the lists' entries differ (by md5 and time; a corrupt entry differs from everything).</summary>
    private static int FirstDifference(byte[][][] lists)
    {
        for (var i = 0; ; i++)
        {
            var first = Entry(lists[0], i);
            if (lists.Any(l => Entry(l, i) is var e && (e.Corrupt is not null || e != first)))
            {
                return i;
            }
            if (first.Missing)
            {
                return i; // all ended together: the fingerprints differed by a hash collision alone
            }
        }
    }

    private readonly record struct EntryId(bool Missing, UInt128 Md5, long Inserted, string? Corrupt);

    private static EntryId Entry(byte[][] list, int i)
    {
        if (i >= list.Length)
        {
            return new EntryId(true, 0, 0, null);
        }
        return RecordHeader.TryRead(list[i], out var header, out var error, versionEntry: true)
            ? new EntryId(false, header.Md5, header.InsertedUnixMs, null)
            : new EntryId(false, 0, 0, error);
    }

    private static ReplicaCopy Copy(string server, byte[][] list, int at)
    {
        var e = Entry(list, at);
        return e.Missing ? new ReplicaCopy(server)
            : e.Corrupt is { } why ? new ReplicaCopy(server, Corrupt: why)
            : new ReplicaCopy(server, e.Md5.ToString("x32", CultureInfo.InvariantCulture)) { Inserted = DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(e.Inserted, -62135596800000, 253402300799999)) };
    }
}
