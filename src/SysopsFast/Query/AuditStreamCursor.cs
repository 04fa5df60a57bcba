using System.Globalization;
using SysopsFast.Redis;

namespace SysopsFast.Query;

/// <summary>
/// One user's audit stream on one server, read oldest first a page at a time (XRANGE COUNT), so a
/// merge of many streams holds one page of each, however long they are.
/// </summary>
internal sealed class AuditStreamCursor(IQueryServer db, string server, string user, string afterId)
{
    private IReadOnlyList<StreamEntry> _page = [];
    private int _next;
    private string _after = afterId;
    private bool _lastPage;

    /// <summary>The entry read last.</summary>
    public AuditEntry Current { get; private set; } = null!;

    /// <summary>The stream id of <see cref="Current"/>, as numbers: the listing's order.</summary>
    public (ulong Milliseconds, ulong Sequence) Id { get; private set; }

    public async Task<bool> MoveNextAsync()
    {
        if (_next == _page.Count)
        {
            if (_lastPage)
            {
                return false;
            }
            _page = await db.StreamRangeAsync(AuditTrail.StreamOf(user), _after, AuditTrail.Page);
            _next = 0;
            _lastPage = _page.Count < AuditTrail.Page;
            if (_page.Count == 0)
            {
                return false;
            }
            _after = _page[^1].Id;
        }
        var entry = _page[_next++];
        Id = ParseId(entry.Id);
        Current = AuditEntry.From(server, user, Id.Milliseconds, entry.Fields);
        return true;
    }

    private static (ulong, ulong) ParseId(string id)
    {
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
            && ulong.TryParse(id.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            && ulong.TryParse(id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            ? (ms, sequence)
            : throw new InvalidDataException($"XRANGE returned '{id}' for a stream id");
    }
}
