using System.Collections.Concurrent;

namespace SysopsFast.Pipeline;

/// <summary>Counters and reports the source stages update (several servers produce at once).</summary>
public sealed class SourceStatistics(QueryProgress? progress = null)
{
    private long _keys;
    private long _batches;
    private long _bytes;
    private int _scans;
    private long _deduplicated;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly ConcurrentDictionary<string, double> _milestones = new();
    private readonly ConcurrentQueue<string> _answered = new();
    private readonly ConcurrentQueue<string> _missing = new();
    private readonly ConcurrentQueue<string> _warnings = new();
    private readonly ConcurrentDictionary<string, ServerTally> _servers = new(StringComparer.Ordinal);

    /// <summary>Keys found so far.</summary>
    public long KeysDiscovered => Interlocked.Read(ref _keys);
    /// <summary>Batches fetched so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);
    /// <summary>Bytes fetched so far.</summary>
    public long BytesFetched => Interlocked.Read(ref _bytes);

    /// <summary>Keys not fetched because a record with the same md5 was (its contents were used).</summary>
    public long KeysDeduplicated => Interlocked.Read(ref _deduplicated);

    /// <summary>Servers whose keys were found by SCAN (no key catalog there, or --scan) rather than the catalog.</summary>
    public int ServersScanned => Volatile.Read(ref _scans);

    /// <summary>"core: server" for every core that answered in full.</summary>
    public IReadOnlyList<string> Answered => _answered.ToArray();

    /// <summary>Cores left out (only with --allow-partial), with the reason.</summary>
    public IReadOnlyList<string> Missing => _missing.ToArray();

    /// <summary>Failovers and other things the user should hear about.</summary>
    public IReadOnlyList<string> Warnings => _warnings.ToArray();

    /// <summary>When each stage first got somewhere, in ms since the query started (for --verbose).</summary>
    public IReadOnlyDictionary<string, double> Milestones => _milestones;

    /// <summary>Records the first time <paramref name="what"/> happened; later calls are ignored.</summary>
    internal void Milestone(string what) => _milestones.TryAdd(what, _clock.Elapsed.TotalMilliseconds);

    internal void AddDeduplicated(long n) => Interlocked.Add(ref _deduplicated, n);

    internal void UsedScan() => Interlocked.Increment(ref _scans);

    internal void AddKeys(string server, long n)
    {
        Milestone("first keys");
        Interlocked.Add(ref _keys, n);
        progress?.AddKeys(n);
        var tally = Tally(server);
        Interlocked.Add(ref tally.Keys, n);
        tally.Touch(_clock.Elapsed.TotalMilliseconds);
    }

    internal void AddBatch(string server, long bytes)
    {
        Milestone("first batch");
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _bytes, bytes);
        progress?.AddBytes(bytes);
        var tally = Tally(server);
        Interlocked.Add(ref tally.Bytes, bytes);
        tally.Touch(_clock.Elapsed.TotalMilliseconds);
    }

    /// <summary>What each server was asked for and sent (for --cost).</summary>
    internal IReadOnlyDictionary<string, ServerTally> Servers => _servers;

    private ServerTally Tally(string server) => _servers.GetOrAdd(server, _ => new ServerTally());

    internal void CoreAnswered(string core, string servers) => _answered.Enqueue($"{core}: {servers}");

    internal void CoreMissing(string core, string reason) => _missing.Enqueue($"{core} ({reason})");

    internal void Warn(string message) => _warnings.Enqueue(message);
}
