using StackExchange.Redis;
using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// Stage 3 (fetch) for one server or one Redis Cluster: cuts pages of keys into batches sized by
/// bytes (learned from the replies so far), keeps a bounded number in flight, and passes each
/// batch on, unread. A standalone server gets one MGET per batch; a cluster gets one MGET per hash
/// slot in the batch (it refuses MGET across slots), each routed to the slot's node by the client,
/// which also follows MOVED and ASK redirections during a resharding.
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
        var inFlight = new Queue<List<(Task<RespResult> Reply, byte[][] Keys)>>();
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
                foreach (var (reply, _) in inFlight.Dequeue())
                {
                    try
                    {
                        (await reply).Dispose();
                    }
                    catch (Exception)
                    {
                        // Already failing or cancelled; the first error is reported elsewhere.
                    }
                }
            }
        }
    }

    private List<(Task<RespResult> Reply, byte[][] Keys)> Send(ReadOnlySpan<byte[]> keys)
    {
        if (_cluster is null)
        {
            return [(Mget(keys.ToArray()), keys.ToArray())];
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
        return bySlot.Values.Select(list => (Mget(list.ToArray()), list.ToArray())).ToList();
    }

    private Task<RespResult> Mget(byte[][] keys)
    {
        var args = new RedisKeyOrValue[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            args[i] = (RedisKey)keys[i];
        }
        return _db.ExecuteRespAsync("MGET", args);
    }

    private static async Task DisposeWhenArrivedAsync(Task<RespResult> reply)
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

    private async Task ForwardAsync(List<(Task<RespResult> Reply, byte[][] Keys)> pending, ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        var parts = new List<(RespResult, byte[][])>(pending.Count);
        try
        {
            foreach (var (reply, keys) in pending)
            {
                parts.Add((await reply, keys));
            }
        }
        catch
        {
            foreach (var (reply, _) in parts)
            {
                reply.Dispose();
            }
            // The rest of this batch's replies are disposed when they arrive.
            foreach (var (reply, _) in pending.Skip(parts.Count + 1))
            {
                _ = DisposeWhenArrivedAsync(reply);
            }
            throw;
        }
        var batch = new MgetRecordBatch(_server, parts, _claims);
        try
        {
            var bytes = batch.ProtocolBytes;
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
