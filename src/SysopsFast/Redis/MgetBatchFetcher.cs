using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// Stage 3 (fetch) for one server or one Redis Cluster: cuts pages of keys into batches sized by
/// bytes (learned from the replies so far), keeps a bounded number in flight, and passes each
/// batch on, unread. A standalone server gets one zero-copy MGET per batch; a cluster gets one MGET
/// per hash slot in the batch (it refuses MGET across slots); see <see cref="IQueryServer.Mget"/>.
/// </summary>
internal sealed class MgetBatchFetcher : IBatchFetcher
{
    private readonly IQueryServer _server;
    private readonly ExtractOptions _options;
    private readonly KeyClaims? _claims;
    private readonly Task _readyToForward;
    private bool _deduplicate;
    private readonly List<byte[]> _unconfirmed = [];
    private double _bytesPerKey = 16 * 1024; // a first guess; corrected by every reply

    /// <summary>Told when reading headers first is turned off because it saved too little.</summary>
    public Action? DeduplicationDidNotPay { get; init; }

    /// <param name="readyToForward">Batches wait for it before going to the workers (the compression dictionaries).</param>
    /// <param name="deduplicate">
    /// Read each page's headers first and fetch one record per distinct md5 (the others are fed with
    /// it); turned off for the rest of the server's pages once it saves less than twice what it costs.
    /// </param>
    /// <param name="server">The server to read.</param>
    /// <param name="options">Batch sizes and how many are in flight.</param>
    /// <param name="claims">The core's keys already taken by a worker (a retry on another server skips them); null when only one server reads the core.</param>
    public MgetBatchFetcher(IQueryServer server, ExtractOptions options, KeyClaims? claims, Task? readyToForward = null, bool deduplicate = false)
    {
        _deduplicate = deduplicate;
        _readyToForward = readyToForward ?? Task.CompletedTask;
        _server = server;
        _options = options;
        _claims = claims;
    }

    public async Task RunAsync(ChannelReader<KeyPage> pages, ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        var inFlight = new Queue<List<Task<IMgetPart>>>();
        try
        {
            await foreach (var page in pages.ReadAllAsync(cancellationToken))
            {
                await FetchAsync(page, _deduplicate, inFlight, output, statistics, cancellationToken);
            }
            await DrainAsync(inFlight, output, statistics, cancellationToken);
            // Keys whose md5 group's record changed after its header was read go last, each
            // fetched for itself (no deduplication, so this adds no unconfirmed keys).
            if (_unconfirmed.Count > 0)
            {
                await FetchAsync(KeyPage.Of(_unconfirmed), deduplicate: false, inFlight, output, statistics, cancellationToken);
                await DrainAsync(inFlight, output, statistics, cancellationToken);
            }
        }
        finally
        {
            // After a failure or cancellation, replies already asked for still arrive: return their buffers.
            while (inFlight.Count > 0)
            {
                foreach (var part in inFlight.Dequeue())
                {
                    await DisposeWhenArrivedAsync(part);
                }
            }
        }
    }

    private async Task DrainAsync(Queue<List<Task<IMgetPart>>> inFlight, ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        while (inFlight.Count > 0)
        {
            await ForwardAsync(inFlight.Dequeue(), output, statistics, cancellationToken);
        }
    }

    /// <summary>Asks for the records of a page (which it disposes), one per md5 group when <paramref name="deduplicate"/>, a bounded number of batches in flight.</summary>
    private async Task FetchAsync(KeyPage page, bool deduplicate, Queue<List<Task<IMgetPart>>> inFlight, ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        // On a retry, keys the failed server already delivered need not cross the wire again.
        var keys = _claims is null ? page : Unclaimed(page, _claims);
        try
        {
            DuplicateGroup?[]? duplicates = null;
            if (deduplicate && keys.Count > 1)
            {
                (keys, duplicates) = await PlanAsync(keys, statistics);
            }
            var offset = 0;
            while (offset < keys.Count)
            {
                var count = Math.Min(keys.Count - offset, BatchKeys());
                while (inFlight.Count >= _options.MaxBatchesInFlightPerServer)
                {
                    await ForwardAsync(inFlight.Dequeue(), output, statistics, cancellationToken);
                }
                inFlight.Enqueue(_server.Mget(keys.Slice(offset, count), duplicates?[offset..(offset + count)]));
                offset += count;
            }
        }
        finally
        {
            keys.Dispose();
        }
    }

    /// <summary>The keys of <paramref name="page"/> (which it disposes) that no worker has taken.</summary>
    private static KeyPage Unclaimed(KeyPage page, KeyClaims claims)
    {
        using (page)
        {
            var unclaimed = new KeyPage(page.Count);
            for (var i = 0; i < page.Count; i++)
            {
                if (!claims.IsClaimed(page[i]))
                {
                    unclaimed.Add(page[i]);
                }
            }
            return unclaimed;
        }
    }

    /// <summary>
    /// Which keys to fetch (a new page; <paramref name="keys"/> is disposed unless returned), and per
    /// fetched key the group of keys whose records have its md5 (as their headers say now).
    /// </summary>
    private async Task<(KeyPage Fetch, DuplicateGroup?[]? Duplicates)> PlanAsync(KeyPage keys, SourceStatistics statistics)
    {
        var headers = await _server.HeadersAsync(keys);
        if (headers is null)
        {
            _deduplicate = false;
            return (keys, null);
        }
        using (keys)
        {
            return Plan(keys, headers, statistics);
        }
    }

    private (KeyPage Fetch, DuplicateGroup?[] Duplicates) Plan(KeyPage keys, byte[][] headers, SourceStatistics statistics)
    {
        var first = new Dictionary<(UInt128 Md5, long Length), int>(keys.Count);
        var fetch = new KeyPage(keys.Count);
        var identities = new List<(UInt128 Md5, long Length)>(keys.Count);
        var others = new List<List<byte[]>?>(keys.Count);
        long saved = 0;
        for (var i = 0; i < keys.Count; i++)
        {
            // A missing key, or a header that does not check out, is fetched and judged on its own.
            var identity = default((UInt128, long));
            if (RecordHeader.TryRead(headers[i], out var header, out _) && (header.Flags & RecordFlags.Omitted) == 0)
            {
                identity = (header.Md5, header.RawLength);
                if (first.TryGetValue(identity, out var at))
                {
                    (others[at] ??= []).Add(keys[i].ToArray());
                    saved += RecordHeader.Size + header.PayloadLength;
                    continue;
                }
                first[identity] = fetch.Count;
            }
            fetch.Add(keys[i]);
            identities.Add(identity);
            others.Add(null);
        }
        statistics.AddDeduplicated(keys.Count - fetch.Count);
        if (saved < 2L * keys.Count * RecordHeader.Size)
        {
            _deduplicate = false;
            DeduplicationDidNotPay?.Invoke();
        }
        return (fetch, others.Select((o, i) => o is null ? null : new DuplicateGroup([.. o], identities[i].Md5, identities[i].Length)).ToArray());
    }

    private static async Task DisposeWhenArrivedAsync(Task<IMgetPart> reply)
    {
        try
        {
            (await reply).Dispose();
        }
        catch (Exception)
        {
            // The batch already failed; this reply only had to give its buffer back.
        }
    }

    private int BatchKeys() => (int)Math.Clamp(_options.TargetBatchBytes / _bytesPerKey, 1, _options.MaxKeysPerBatch);

    private async Task ForwardAsync(List<Task<IMgetPart>> pending, ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        var parts = new List<IMgetPart>(pending.Count);
        try
        {
            // Inside the try: when the dictionaries fail to load, this batch's replies still give their buffers back.
            await _readyToForward;
            foreach (var part in pending)
            {
                parts.Add(await part);
            }
        }
        catch
        {
            foreach (var part in parts)
            {
                part.Dispose();
            }
            // The rest of this batch's replies are disposed when they arrive (the one that failed has nothing to give back).
            foreach (var part in pending.Skip(parts.Count))
            {
                _ = DisposeWhenArrivedAsync(part);
            }
            throw;
        }
        foreach (var part in parts)
        {
            // Their group's record changed since its header was read: each is fetched for itself later.
            statistics.AddDeduplicated(-part.Unconfirmed.Length);
            _unconfirmed.AddRange(part.Unconfirmed);
        }
        var batch = new MgetRecordBatch(_server.Name, parts, _claims);
        try
        {
            var bytes = batch.Bytes;
            statistics.AddBatch(_server.Name, bytes);
            // Smooth the estimate so one huge object does not shrink every following batch to one key.
            _bytesPerKey = Math.Max(64, (0.7 * _bytesPerKey) + (0.3 * bytes / Math.Max(1, batch.Count)));
            await output.WriteAsync(batch, cancellationToken);
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }
}
