using StackExchange.Redis;
using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// Stage 3 (fetch) for one server: cuts pages of keys into MGETs sized by bytes (learned from the
/// replies so far), keeps a bounded number in flight, and passes each reply on, unread, as a batch.
/// </summary>
internal sealed class MgetBatchFetcher
{
    private readonly IDatabase _db;
    private readonly string _server;
    private readonly ExtractOptions _options;
    private readonly KeyClaims? _claims;
    private double _bytesPerKey = 16 * 1024; // a first guess; corrected by every reply

    public MgetBatchFetcher(IDatabase db, string server, ExtractOptions options, KeyClaims? claims)
    {
        _claims = claims;
        _db = db;
        _server = server;
        _options = options;
    }

    public async Task RunAsync(ChannelReader<byte[][]> pages, ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        var inFlight = new Queue<(Task<RespResult> Reply, byte[][] Keys, int Offset, int Count)>();
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
                    var args = new RedisKeyOrValue[count];
                    for (var i = 0; i < count; i++)
                    {
                        args[i] = (RedisKey)keys[offset + i];
                    }
                    inFlight.Enqueue((_db.ExecuteRespAsync("MGET", args), keys, offset, count));
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
                var pending = inFlight.Dequeue();
                try
                {
                    (await pending.Reply).Dispose();
                }
                catch (Exception)
                {
                    // Already failing or cancelled; the first error is reported elsewhere.
                }
            }
        }
    }

    private int BatchKeys() => (int)Math.Clamp(_options.TargetBatchBytes / _bytesPerKey, 1, _options.MaxKeysPerBatch);

    private async Task ForwardAsync((Task<RespResult> Reply, byte[][] Keys, int Offset, int Count) pending, ChannelWriter<IRecordBatch> output, SourceStatistics statistics, CancellationToken cancellationToken)
    {
        var reply = await pending.Reply;
        var batch = new MgetRecordBatch(_server, reply, pending.Keys, pending.Offset, pending.Count, _claims);
        try
        {
            var bytes = reply.Read().ProtocolBytesRemaining;
            statistics.AddBatch(bytes);
            // Smooth the estimate so one huge object does not shrink every following batch to one key.
            _bytesPerKey = Math.Max(64, (0.7 * _bytesPerKey) + (0.3 * bytes / pending.Count));
            await output.WriteAsync(batch, cancellationToken);
        }
        catch
        {
            batch.Dispose();
            throw;
        }
    }
}
