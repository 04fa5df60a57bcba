using System.Buffers;
using StackExchange.Redis;
using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// One fetched batch, still in the client's leased receive buffers: one MGET reply on a standalone
/// server, or one reply per hash slot on a cluster (which refuses MGET across slots). Values are
/// handed to the consumer as spans over those buffers; only a value that straddles two buffer
/// segments is copied (into a pooled array) to make it contiguous.
/// </summary>
internal sealed class MgetRecordBatch : IRecordBatch
{
    private readonly IReadOnlyList<(RespResult Reply, byte[][] Keys)> _parts;
    private readonly KeyClaims? _claims;

    public MgetRecordBatch(string server, IReadOnlyList<(RespResult Reply, byte[][] Keys)> parts, KeyClaims? claims)
    {
        Server = server;
        _parts = parts;
        _claims = claims;
        Count = parts.Sum(p => p.Keys.Length);
    }

    public string Server { get; }

    public int Count { get; }

    /// <summary>Bytes of RESP in the replies, for batch sizing and statistics.</summary>
    public long ProtocolBytes => _parts.Sum(p => p.Reply.Read().ProtocolBytesRemaining);

    public bool Feed(IRecordConsumer consumer)
    {
        byte[]? scratch = null;
        try
        {
            foreach (var (reply, keys) in _parts)
            {
                if (!FeedPart(reply, keys, consumer, ref scratch))
                {
                    return false;
                }
            }
            return true;
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
    }

    private bool FeedPart(RespResult reply, byte[][] keys, IRecordConsumer consumer, ref byte[]? scratch)
    {
        var reader = reply.Read();
        if (!reader.IsAggregate || reader.AggregateLength() != keys.Length)
        {
            throw new InvalidDataException($"MGET of {keys.Length} keys did not return {keys.Length} values");
        }
        var children = reader.AggregateChildren();
        var i = 0;
        while (children.MoveNext())
        {
            var child = children.Current;
            var key = keys[i++];
            if (_claims is not null && !_claims.TryClaim(key))
            {
                continue; // another server of this core already delivered it
            }
            if (child.IsNull)
            {
                consumer.Missing(key);
                continue;
            }
            if (!child.TryGetSpan(out var value))
            {
                var length = child.ScalarLength();
                if (scratch is null || scratch.Length < length)
                {
                    if (scratch is not null)
                    {
                        ArrayPool<byte>.Shared.Return(scratch);
                    }
                    scratch = ArrayPool<byte>.Shared.Rent(length);
                }
                var n = child.CopyTo(scratch);
                value = scratch.AsSpan(0, n);
            }
            if (!consumer.Consume(key, value))
            {
                return false;
            }
        }
        return true;
    }

    public void Dispose()
    {
        foreach (var (reply, _) in _parts)
        {
            reply.Dispose();
        }
    }
}
