using StackExchange.Redis;
using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// Stage 3 (fetch) for one server or one Redis Cluster: cuts pages of keys into batches sized by
/// bytes (learned from the replies so far), keeps a bounded number in flight, and passes each
/// batch on, unread. A standalone server gets one zero-copy MGET per batch; a cluster gets one MGET
/// per hash slot in the batch (it refuses MGET across slots), each routed to the slot's node by the
/// client, which also follows MOVED and ASK redirections during a resharding (see ValuesMgetPart).
/// </summary>
internal sealed class MgetBatchFetcher
{
    private readonly IDatabase _db;
    private readonly string _server;
    private readonly ExtractOptions _options;
    private readonly KeyClaims? _claims;
    private readonly IConnectionMultiplexer? _cluster;
    private double _bytesPerKey = 16 * 1024; // a first guess; corrected by every reply

    /// <param name="cluster">The cluster's multiplexer (to compute hash slots), or null for a standalone server.</param>
    public MgetBatchFetcher(IDatabase db, string server, ExtractOptions options, KeyClaims? claims, IConnectionMultiplexer? cluster = null)
    {
        _db = db;
        _server = server;
        _options = options;
        _claims = claims;
        _cluster = cluster;
    }

    public async Task RunAsync(ChannelReader<byte[][]> pages, ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        var inFlight = new Queue<List<Task<IMgetPart>>>();
        try
        {
            await foreach (var page in pages.ReadAllAsync(cancellationToken))
            {
                // On a retry, keys the failed server already delivered need not cross the wire again.
                var keys = _claims is null ? page : Array.FindAll(page, k => !_claims.IsClaimed(k));
                var offset = 0;
                while (offset < keys.Length)
                {
                    var count = Math.Min(keys.Length - offset, BatchKeys());
                    while (inFlight.Count >= _options.MaxBatchesInFlightPerServer)
                    {
                        await ForwardAsync(inFlight.Dequeue(), output, statistics, cancellationToken);
                    }
                    inFlight.Enqueue(Send(keys.AsSpan(offset, count)));
                    offset += count;
                }
            }
            while (inFlight.Count > 0)
            {
                await ForwardAsync(inFlight.Dequeue(), output, statistics, cancellationToken);
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

    private List<Task<IMgetPart>> Send(ReadOnlySpan<byte[]> keys)
    {
        if (_cluster is null)
        {
            return [Mget(keys.ToArray())];
        }
        var bySlot = new Dictionary<int, List<byte[]>>();
        foreach (var key in keys)
        {
            var slot = _cluster.HashSlot(key);
            if (!bySlot.TryGetValue(slot, out var list))
            {
                bySlot[slot] = list = [];
            }
            list.Add(key);
        }
        return bySlot.Values.Select(list => ClusterMget(list.ToArray())).ToList();
    }

    private async Task<IMgetPart> Mget(byte[][] keys)
    {
        var args = new RedisKeyOrValue[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            args[i] = (RedisKey)keys[i];
        }
        return new RespMgetPart(await _db.ExecuteRespAsync("MGET", args), keys);
    }

    private async Task<IMgetPart> ClusterMget(byte[][] keys)
    {
        var redisKeys = Array.ConvertAll(keys, k => (RedisKey)k);
        return new ValuesMgetPart(await _db.StringGetAsync(redisKeys), keys);
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
            // The rest of this batch's replies are disposed when they arrive.
            foreach (var part in pending.Skip(parts.Count + 1))
            {
                _ = DisposeWhenArrivedAsync(part);
            }
            throw;
        }
        var batch = new MgetRecordBatch(_server, parts, _claims);
        try
        {
            var bytes = batch.Bytes;
            statistics.AddBatch(bytes);
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
