using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// One fetched batch: one MGET reply on a standalone server, or one reply per hash slot on a
/// cluster (which refuses MGET across slots). Values are handed to the consumer as spans over the
/// replies' buffers.
/// </summary>
internal sealed class MgetRecordBatch : IRecordBatch, IPeekableBatch
{
    private readonly IReadOnlyList<IMgetPart> _parts;
    private readonly KeyClaims? _claims;

    public MgetRecordBatch(string server, IReadOnlyList<IMgetPart> parts, KeyClaims? claims)
    {
        Server = server;
        _parts = parts;
        _claims = claims;
        Count = parts.Sum(p => p.Count);
    }

    public string Server { get; }

    public int Count { get; }

    /// <summary>Bytes of the replies, for batch sizing and statistics.</summary>
    public long Bytes => _parts.Sum(p => p.Bytes);

    public bool Feed(IRecordConsumer consumer)
    {
        try
        {
            foreach (var part in _parts)
            {
                if (!part.Feed(consumer, _claims))
                {
                    return false;
                }
            }
            return true;
        }
        catch (InvalidDataException e)
        {
            // A reply of another shape than an MGET's is the server's fault, and is named as such.
            throw Errors.ServerFailed(Server, e);
        }
    }

    public void Peek(IRecordConsumer consumer)
    {
        foreach (var part in _parts)
        {
            part.Feed(consumer, claims: null);
        }
    }

    public void Dispose()
    {
        foreach (var part in _parts)
        {
            part.Dispose();
        }
    }
}

/// <summary>
/// The values of one MGET, in key order. A part exists only for a reply that holds one value per
/// key: an error reply (BUSY, NOPERM, OOM) fails the MGET's task in the fetch stage, where the
/// source fails the server over like a dropped connection; the workers only read values.
/// </summary>
internal interface IMgetPart : IDisposable
{
    /// <summary>Keys asked for (values, nil included, in the reply).</summary>
    int Count { get; }

    /// <summary>Keys left out of this part because the record fetched for their md5 group no longer has the group's md5: to be fetched one by one.</summary>
    byte[][] Unconfirmed => [];

    long Bytes { get; }

    bool Feed(IRecordConsumer consumer, KeyClaims? claims);
}

/// <summary>
/// The part our own <see cref="RespConnection"/> delivers: the whole MGET reply in one pooled buffer
/// it owns, so every value is a span over it and nothing is copied.
/// </summary>
/// <param name="duplicates">Per key, the group of keys whose records had its md5 when their headers were read and were not fetched (or null).</param>
/// <param name="reply">The MGET reply.</param>
/// <param name="keys">The keys asked for, in the reply's order; the part owns them.</param>
/// <param name="unconfirmed">Keys fed from a duplicate whose md5 is still to be checked against their own header.</param>
internal sealed class RespReplyMgetPart(RespReply reply, KeyPage keys, DuplicateGroup?[]? duplicates, byte[][] unconfirmed) : IMgetPart
{
    /// <summary>
    /// The reply, checked in the fetch stage: an error reply or a short one is the server's failure
    /// (see <see cref="IMgetPart"/>); a group whose fetched record no longer has the group's md5
    /// (its host pushed since the header read, or it expired) is taken out, its keys unconfirmed.
    /// </summary>
    public static RespReplyMgetPart Checked(RespReply reply, KeyPage keys, DuplicateGroup?[]? duplicates)
    {
        byte[][] unconfirmed;
        try
        {
            // An error reply, a short one or one of other types than strings and nils throws here.
            reply.CheckStrings(keys.Count, "MGET");
            var frame = reply.Read();
            frame.ReadArrayLength();
            unconfirmed = duplicates is null ? [] : Confirm(ref frame, duplicates);
        }
        catch
        {
            reply.Dispose();
            keys.Dispose();
            throw;
        }
        return new(reply, keys, duplicates, unconfirmed);
    }

    /// <summary>Drops each group whose fetched record is not the one its header promised; returns their keys.</summary>
    private static byte[][] Confirm(ref RespFrame frame, DuplicateGroup?[] duplicates)
    {
        List<byte[]>? unconfirmed = null;
        for (var i = 0; i < duplicates.Length; i++)
        {
            var present = frame.TryReadBulk(out var value);
            if (duplicates[i] is { } group && !(present && group.IsHeldBy(value)))
            {
                (unconfirmed ??= []).AddRange(group.Keys);
                duplicates[i] = null;
            }
        }
        return unconfirmed?.ToArray() ?? [];
    }

    public int Count => keys.Count;

    public byte[][] Unconfirmed => unconfirmed;

    public long Bytes => reply.Length;

    public bool Feed(IRecordConsumer consumer, KeyClaims? claims)
    {
        var frame = reply.Read();
        frame.ReadArrayLength(); // checked when the reply arrived
        for (var i = 0; i < keys.Count; i++)
        {
            var key = keys[i];
            var present = frame.TryReadBulk(out var value);
            if (!FeedOne(consumer, claims, key, present, value, out var mine))
            {
                return false;
            }
            // A group left here was confirmed on arrival: its record is present and has its md5.
            if (duplicates?[i] is { } group && !FeedDuplicates(consumer, claims, group.Keys, value, decoded: mine))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Feeds one key's value (or its absence) unless another server of the core delivered it
    /// (<paramref name="mine"/> false); false when the consumer wants no more.
    /// </summary>
    internal static bool FeedOne(IRecordConsumer consumer, KeyClaims? claims, ReadOnlySpan<byte> key, bool present, ReadOnlySpan<byte> value, out bool mine)
    {
        mine = claims is null || claims.TryClaim(key);
        if (mine && !present)
        {
            consumer.Missing(key);
            return true;
        }
        return !mine || consumer.Consume(key, value);
    }

    private static bool FeedDuplicates(IRecordConsumer consumer, KeyClaims? claims, byte[][] same, ReadOnlySpan<byte> value, bool decoded)
    {
        foreach (var key in same)
        {
            if (claims is not null && !claims.TryClaim(key))
            {
                continue;
            }
            if (!(decoded ? consumer.ConsumeDuplicate(key, value) : consumer.Consume(key, value)))
            {
                return false;
            }
            decoded = true;
        }
        return true;
    }

    public void Dispose()
    {
        reply.Dispose();
        keys.Dispose();
    }
}

/// <summary>
/// Keys not fetched because their records had, when their headers were read, the md5 and length of
/// the record fetched with them; the fetched record must still have them to stand for these keys.
/// </summary>
internal sealed record DuplicateGroup(byte[][] Keys, UInt128 Md5, long RawLength)
{
    public bool IsHeldBy(ReadOnlySpan<byte> record) =>
        Format.RecordHeader.TryRead(record, out var header, out _) && header.Md5 == Md5 && header.RawLength == RawLength;
}
