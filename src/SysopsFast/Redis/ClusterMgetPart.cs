using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>
/// A cluster node's MGETs of one batch, one per hash slot (<see cref="SlotRuns"/>), answered as one
/// reply (<see cref="RespConnection.SendRunsAsync"/>): every value is a span over it, as on a
/// standalone server. A run answered with an error (a redirection, TRYAGAIN, a replica's refusal)
/// is left out here, to be read again as a part of its own; so are, when a replica answered, the
/// keys it had no value for (a replica may lag behind its primary, or hold a slot whose keys are
/// migrating): those are asked of the primary, whose nil is final.
/// </summary>
internal sealed class ClusterMgetPart : IMgetPart
{
    private readonly RespReply _reply;
    private readonly SlotRuns _runs;
    private readonly bool _nilsElsewhere;

    private ClusterMgetPart(RespReply reply, SlotRuns runs, bool nilsElsewhere, int count)
    {
        _reply = reply;
        _runs = runs;
        _nilsElsewhere = nilsElsewhere;
        Count = count;
    }

    /// <summary>Keys this part feeds (those left out are another part's).</summary>
    public int Count { get; }

    public long Bytes => _reply.Length;

    /// <summary>
    /// The part, checked where the reply arrives (a run of another shape than an MGET's fails it, as
    /// on a standalone server): the runs answered with an error are added to <paramref name="refused"/>,
    /// and with <paramref name="nilsElsewhere"/> (a replica answered) each run's keys without a value
    /// to <paramref name="nils"/>, a page per run that the caller then owns. On failure everything
    /// is disposed, the pages given out included.
    /// </summary>
    public static ClusterMgetPart Checked(RespReply reply, SlotRuns runs, bool nilsElsewhere, List<(int Run, string Error)> refused, List<(int Run, KeyPage Keys)> nils)
    {
        try
        {
            var frame = reply.Read();
            var count = 0;
            for (var run = 0; run < runs.Count; run++)
            {
                if (frame.TryReadError(out var error))
                {
                    refused.Add((run, error));
                    continue;
                }
                var expected = runs.End(run) - runs.Start(run);
                var n = frame.ReadArrayLength();
                if (n != expected)
                {
                    throw new InvalidDataException($"MGET of {expected} keys answered {n} values");
                }
                KeyPage? missing = null;
                for (var i = runs.Start(run); i < runs.End(run); i++)
                {
                    if (frame.TryReadBulk(out _) || !nilsElsewhere)
                    {
                        count++;
                    }
                    else
                    {
                        (missing ??= new KeyPage()).Add(runs.Keys[i]);
                    }
                }
                if (missing is not null)
                {
                    nils.Add((run, missing));
                }
            }
            return new ClusterMgetPart(reply, runs, nilsElsewhere, count);
        }
        catch
        {
            reply.Dispose();
            runs.Dispose();
            foreach (var (_, keys) in nils)
            {
                keys.Dispose();
            }
            throw;
        }
    }

    public bool Feed(IRecordConsumer consumer, KeyClaims? claims)
    {
        var frame = _reply.Read();
        for (var run = 0; run < _runs.Count; run++)
        {
            if (frame.PeekType == (byte)'-')
            {
                frame.Skip(); // read again as a part of its own
                continue;
            }
            frame.ReadArrayLength(); // checked when the reply arrived
            for (var i = _runs.Start(run); i < _runs.End(run); i++)
            {
                var present = frame.TryReadBulk(out var value);
                if (!present && _nilsElsewhere)
                {
                    continue; // asked of the primary
                }
                if (!RespReplyMgetPart.FeedOne(consumer, claims, _runs.Keys[i], present, value, out _))
                {
                    return false;
                }
            }
        }
        return true;
    }

    public void Dispose()
    {
        _reply.Dispose();
        _runs.Dispose();
    }
}
