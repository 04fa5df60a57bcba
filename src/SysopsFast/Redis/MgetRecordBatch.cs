using System.Buffers;
using StackExchange.Redis;
using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// One MGET reply, still in the client's leased receive buffer. Values are handed to the consumer
/// as spans over that buffer; only a value that straddles two buffer segments is copied (into a
/// pooled array) to make it contiguous.
/// </summary>
internal sealed class MgetRecordBatch : IRecordBatch
{
    private readonly RespResult _reply;
    private readonly byte[][] _keys;
    private readonly int _offset;
    private readonly KeyClaims? _claims;

    public MgetRecordBatch(string server, RespResult reply, byte[][] keys, int offset, int count, KeyClaims? claims)
    {
        _claims = claims;
        Server = server;
        _reply = reply;
        _keys = keys;
        _offset = offset;
        Count = count;
    }

    public string Server { get; }

    public int Count { get; }

    public bool Feed(IRecordConsumer consumer)
    {
        byte[]? scratch = null;
        try
        {
            var reader = _reply.Read();
            if (!reader.IsAggregate || reader.AggregateLength() != Count)
            {
                throw new InvalidDataException($"MGET of {Count} keys did not return {Count} values");
            }
            var children = reader.AggregateChildren();
            var i = 0;
            while (children.MoveNext())
            {
                var child = children.Current;
                var key = _keys[_offset + i++];
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
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
    }

    public void Dispose() => _reply.Dispose();
}
