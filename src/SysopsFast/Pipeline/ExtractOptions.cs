namespace SysopsFast.Pipeline;

/// <summary>Knobs of the extract pipeline. The defaults suit a 2-core client and loopback Redis.</summary>
public sealed record ExtractOptions
{
    /// <summary>Keys per SCAN round trip: large, so that discovery is a few round trips, not thousands.</summary>
    public int ScanPageSize { get; init; } = 2000;

    /// <summary>
    /// An MGET asks for about this many bytes. Redis slows down badly when a client lets tens of MB
    /// of replies pile up, so batch bytes × batches in flight stays around 2 MB per connection.
    /// </summary>
    public int TargetBatchBytes { get; init; } = 1 << 20;

    /// <summary>Keys per MGET at most, however small their records.</summary>
    public int MaxKeysPerBatch { get; init; } = 512;

    /// <summary>MGETs a server has in flight at once: one being answered while the next is sent.</summary>
    public int MaxBatchesInFlightPerServer { get; init; } = 2;

    /// <summary>
    /// How long one command may go unanswered before its server counts as failed (and the core
    /// moves to its twin). A 1 MB MGET takes milliseconds; a server that stops answering must not
    /// hold the query for the client's default minute.
    /// </summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long each connect may take; null: 3 s, or the seconds SYSOPS_FAST_CONNECT_TIMEOUT gives.</summary>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>
    /// grep: read each page's record headers first and fetch one record per distinct md5, when that
    /// saves bytes (it turns itself off for a server where it does not). Standalone servers only (a
    /// page's headers in one round trip); on a cluster records are simply fetched.
    /// </summary>
    public bool DeduplicateIdenticalContents { get; init; } = true;

    /// <summary>
    /// On a Redis Cluster, spread reads over each slot's primary and replicas (in READONLY mode);
    /// false reads primaries only (replicas then take no part, not even when a primary dies). A
    /// replica's value may trail its primary's by the replication lag (usually under a
    /// millisecond); a key a replica lacks is always asked of the primary. The default is true,
    /// unless the environment says <c>SYSOPS_FAST_CLUSTER_READS=primaries</c>.
    /// </summary>
    public bool ReadReplicas { get; init; } = ClusterReadsSetting.ReadReplicas();

    /// <summary>Decode/match workers; the default is one per core.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Fetched batches waiting for a worker; bounded, so a slow matcher slows the fetch down.</summary>
    public int BatchQueueCapacity { get; init; } = Math.Max(2, Environment.ProcessorCount * 2);

    /// <summary>Counters a progress display polls (keys found, records done, bytes fetched); none by default.</summary>
    public QueryProgress? Progress { get; init; }
}
