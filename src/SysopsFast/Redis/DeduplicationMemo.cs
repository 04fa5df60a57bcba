using System.Collections.Concurrent;

namespace SysopsFast.Redis;

/// <summary>
/// Where reading headers first to fetch one record per md5 did not pay (<see cref="MgetBatchFetcher"/>
/// turns it off after a page that saved less than twice its cost), by server and key glob, kept by a
/// long-lived <see cref="FleetQuery"/>: its next queries of that glob on that server skip the header
/// round trip (on a fleet whose records all differ it costs 120 bytes a key and a page of garbage a
/// query). Forgotten after <see cref="RetryAfter"/>, so a fleet whose contents converge gets it back.
/// </summary>
internal sealed class DeduplicationMemo
{
    /// <summary>How long a finding holds: contents change slowly, but they do change.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(10);

    /// <summary>Findings kept at most (emptied when full; each costs one header round trip to find again).</summary>
    private const int Capacity = 1024;

    private readonly ConcurrentDictionary<(string Server, string Glob), long> _notWorthIt = new();

    /// <summary>Whether to read headers first for <paramref name="glob"/> on <paramref name="server"/>.</summary>
    public bool ShouldTry(string server, string glob) =>
        !_notWorthIt.TryGetValue((server, glob), out var since) || Environment.TickCount64 - since > RetryAfter.TotalMilliseconds;

    /// <summary>Reading headers first did not pay for <paramref name="glob"/> on <paramref name="server"/>.</summary>
    public void DidNotPay(string server, string glob)
    {
        if (_notWorthIt.Count >= Capacity)
        {
            _notWorthIt.Clear();
        }
        _notWorthIt[(server, glob)] = Environment.TickCount64;
    }
}
