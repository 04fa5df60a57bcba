using StackExchange.Redis;

namespace SysopsFast.Redis;

/// <summary>
/// Builds one server's host-name index from its catalog's host set (<c>catalog index</c>): every
/// host name read once, a ZSCAN page at a time, its grams not yet sent added (ZADD NX), and the
/// index marked complete only after every write is acknowledged.
/// </summary>
internal static class HostNameIndexer
{
    /// <summary>Host names per ZSCAN round trip.</summary>
    private const int PageSize = 10_000;

    /// <summary>Returns the host names read and the grams sent.</summary>
    public static async Task<(long HostNames, long Grams)> RunAsync(IQueryServer reader, IDatabaseAsync writer, CancellationToken cancellationToken)
    {
        var sent = new HostNameGrams();
        long hosts = 0, grams = 0;
        // A member that cannot be a host name comes empty (never copied) and is skipped: readers ignore it too.
        await foreach (var page in reader.SortedSetScanAsync(KeyCatalog.HostsKey, null, PageSize, cancellationToken, ObjectKey.MaxHostNameBytes))
        {
            var fresh = new List<byte[]>();
            for (var i = 0; i < page.Count; i++)
            {
                if (ObjectKey.CanBeHostPart(page.Members[i]))
                {
                    hosts++;
                    fresh.AddRange(sent.New(page.Members[i]));
                }
            }
            // One page's writes acknowledged before the next page: bounded in flight.
            await Task.WhenAll(fresh.Chunk(1000).Select(chunk => KeyCatalog.AddHostGrams(writer, [.. chunk])));
            grams += fresh.Count;
        }
        await writer.StringSetAsync(KeyCatalog.HostGramsCompleteKey, DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        return (hosts, grams);
    }
}
