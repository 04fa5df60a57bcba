namespace SysopsFast.Query;

/// <summary>
/// The hosts shown for one value: the first <c>limit</c> in ordinal order, so that the sample does
/// not depend on which worker read which record (and two runs print the same hosts). Holds at most
/// <c>limit</c> names; <see cref="KeyValueRequest.AllHosts"/> keeps every one.
/// </summary>
internal sealed class HostSample(int limit)
{
    private readonly List<string> _hosts = [];
    private bool _sorted = true;

    public void Offer(string host)
    {
        if (limit == KeyValueRequest.AllHosts)
        {
            // Sorted once at the end: appending is cheaper than keeping order for a whole fleet.
            _hosts.Add(host);
            _sorted = false;
            return;
        }
        if (_hosts.Count == limit)
        {
            if (string.CompareOrdinal(host, _hosts[^1]) >= 0)
            {
                return;
            }
            _hosts.RemoveAt(_hosts.Count - 1);
        }
        var at = _hosts.BinarySearch(host, StringComparer.Ordinal);
        _hosts.Insert(at < 0 ? ~at : at, host);
    }

    public void OfferAll(IEnumerable<string> hosts)
    {
        foreach (var host in hosts)
        {
            Offer(host);
        }
    }

    public IReadOnlyList<string> Hosts
    {
        get
        {
            if (!_sorted)
            {
                _hosts.Sort(StringComparer.Ordinal);
                _sorted = true;
            }
            return _hosts;
        }
    }
}
