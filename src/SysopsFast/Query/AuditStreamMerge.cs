using System.Runtime.CompilerServices;
using System.Text;
using SysopsFast.Redis;

namespace SysopsFast.Query;

/// <summary>
/// <c>audit</c>'s reading: every user's stream of each server, found with SCAN MATCH (only streams
/// that exist, and only its user can create one: a bogus name cannot be planted, unlike in a set
/// every user may write), merged by stream id into one listing as they are read.
/// </summary>
internal static class AuditStreamMerge
{
    /// <summary>A cursor on each audit stream of <paramref name="db"/>, from just after <paramref name="afterId"/>.</summary>
    public static async Task<List<AuditStreamCursor>> CursorsAsync(IQueryServer db, string server, string afterId, CancellationToken cancellationToken)
    {
        var users = new SortedSet<string>(StringComparer.Ordinal); // SCAN may return a key twice
        await foreach (var page in db.ScanAsync(AuditTrail.Prefix + "*", AuditTrail.ScanPage, cancellationToken))
        {
            foreach (var key in page)
            {
                users.Add(Encoding.UTF8.GetString(key)[AuditTrail.Prefix.Length..]);
            }
        }
        return [.. users.Select(u => new AuditStreamCursor(db, server, u, afterId))];
    }

    /// <summary>The entries of all <paramref name="cursors"/>, oldest stream id first (ties: in the cursors' order).</summary>
    public static async IAsyncEnumerable<AuditEntry> MergeAsync(IReadOnlyList<AuditStreamCursor> cursors, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var queue = new PriorityQueue<AuditStreamCursor, (ulong, ulong, int)>();
        var started = await Task.WhenAll(cursors.Select(c => c.MoveNextAsync()));
        for (var i = 0; i < cursors.Count; i++)
        {
            if (started[i])
            {
                queue.Enqueue(cursors[i], (cursors[i].Id.Milliseconds, cursors[i].Id.Sequence, i));
            }
        }
        while (queue.TryDequeue(out var cursor, out var order))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return cursor.Current;
            if (await cursor.MoveNextAsync())
            {
                queue.Enqueue(cursor, (cursor.Id.Milliseconds, cursor.Id.Sequence, order.Item3));
            }
        }
    }
}
