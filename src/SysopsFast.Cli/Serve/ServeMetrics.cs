using Prometheus;

namespace SysopsFast.Cli.Serve;

/// <summary>
/// The queries running (the --max-queries limit) and what they did, scraped at /metrics in the
/// Prometheus text format: queries by command and outcome, their latency, bytes read from Redis,
/// cores without a live server in the last query; the Redis identities whose connections are kept,
/// and the managed heap. A registry of its own: no process-wide defaults.
/// </summary>
internal sealed class ServeMetrics
{
    private readonly int _maxQueries;
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly Counter _queries;
    private readonly Histogram _seconds;
    private readonly Counter _bytes;
    private readonly Gauge _coresDown;
    private readonly Gauge _running;
    private readonly Counter _refused;
    private int _count;

    public ServeMetrics(int maxQueries, SessionPool sessions)
    {
        _maxQueries = maxQueries;
        var factory = Metrics.WithCustomRegistry(_registry);
        _queries = factory.CreateCounter("sysops_fast_queries_total", "Queries answered, by command and outcome (matched, no_match, error, interrupted, timeout, disconnected)", new CounterConfiguration { LabelNames = ["command", "outcome"] });
        _seconds = factory.CreateHistogram("sysops_fast_query_duration_seconds", "Time from a query's start to its last record, by command", new HistogramConfiguration
        {
            LabelNames = ["command"],
            // 10 ms to ~40 s: a warm headline answers in tenths of a second, a large compare-all in seconds.
            Buckets = Histogram.ExponentialBuckets(0.01, 2, 13),
        });
        _bytes = factory.CreateCounter("sysops_fast_bytes_read_total", "Bytes fetched from Redis by the queries", new CounterConfiguration { LabelNames = ["command"] });
        _coresDown = factory.CreateGauge("sysops_fast_cores_down", "Cores that had no live server in the last query that asked them");
        _running = factory.CreateGauge("sysops_fast_queries_running", "Queries running now");
        // The admission count is the number running: read when scraped, not kept twice.
        _registry.AddBeforeCollectCallback(() => _running.Set(Volatile.Read(ref _count)));
        var kept = factory.CreateGauge("sysops_fast_redis_identities", "Redis identities (serve's own, each HTTP Basic user) whose connections are kept open between requests");
        _registry.AddBeforeCollectCallback(() => kept.Set(sessions.Count));
        // The managed heap beside RSS: a heap that grows apart from memory the GC keeps committed.
        var heap = factory.CreateGauge("sysops_fast_gc_heap_bytes", "Managed heap size after the last garbage collection");
        var committed = factory.CreateGauge("sysops_fast_gc_committed_bytes", "Memory the garbage collector has committed (the managed heap's share of RSS)");
        _registry.AddBeforeCollectCallback(() =>
        {
            var gc = GC.GetGCMemoryInfo();
            heap.Set(gc.HeapSizeBytes);
            committed.Set(gc.TotalCommittedBytes);
        });
        _refused = factory.CreateCounter("sysops_fast_queries_refused_total", "Queries answered 429: --max-queries were running");
    }

    /// <summary>Counts a query in, or false when <c>--max-queries</c> already run.</summary>
    public bool TryStart()
    {
        if (Interlocked.Increment(ref _count) > _maxQueries)
        {
            Interlocked.Decrement(ref _count);
            _refused.Inc();
            return false;
        }
        return true;
    }

    public void Finished()
    {
        Interlocked.Decrement(ref _count);
    }

    public void Record(string command, string outcome, TimeSpan elapsed, RequestConsole console)
    {
        _queries.WithLabels(command, outcome).Inc();
        _seconds.WithLabels(command).Observe(elapsed.TotalSeconds);
        if (console.Summary is { } summary)
        {
            _bytes.WithLabels(command).Inc(summary.BytesFetched);
            if (summary.CoresAnswered.Count + summary.CoresMissing.Count > 0)
            {
                _coresDown.Set(summary.CoresMissing.Count);
            }
        }
    }

    /// <summary>The scrape: every metric in the text exposition format.</summary>
    public Task WriteAsync(Stream output, CancellationToken cancellationToken) => _registry.CollectAndExportAsTextAsync(output, cancellationToken);
}
