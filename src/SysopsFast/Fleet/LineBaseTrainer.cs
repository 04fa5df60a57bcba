using SysopsFast.Format;

namespace SysopsFast.Fleet;

/// <summary>
/// Chooses one line delta base per object (<see cref="PayloadCodec.LineDelta"/>) from sample
/// contents, as perf-results/2026-12-07-delta-study.md did: the medoid, the sample the others
/// encode smallest against, kept only where records written as the smaller of a delta and today's
/// record are clearly smaller than today's records alone (netstat-like objects keep no base).
/// </summary>
internal static class LineBaseTrainer
{
    /// <summary>Samples tried as the base: each costs an encoding of every sample.</summary>
    public const int Candidates = 24;

    /// <summary>A base pays when it makes the samples' records at least this much smaller.</summary>
    public const double MinimumGain = 0.05;

    /// <summary>The samples' medoid if it pays against <paramref name="record"/> (a sample's record without a base); null otherwise.</summary>
    public static LineDeltaEncoder? For(IReadOnlyList<byte[]> samples, Func<byte[], byte[]> record) =>
        Medoid(samples) is { } medoid && Pays(Weigh(medoid.Deltas, samples, record)) ? medoid.Encoder : null;

    /// <summary>
    /// Of the first <see cref="Candidates"/> samples within a base's size, the one whose deltas of all
    /// samples are smallest in total, with each sample's delta payload length against it; null when none fits.
    /// </summary>
    public static (LineDeltaEncoder Encoder, int[] Deltas)? Medoid(IReadOnlyList<byte[]> samples)
    {
        (long Bytes, LineDeltaEncoder? Encoder, int[] Deltas) best = (long.MaxValue, null, []);
        foreach (var candidate in samples.Where(s => s.Length <= LineBase.MaxRawLength).Take(Candidates))
        {
            var encoder = new LineDeltaEncoder(new LineBase(candidate));
            var deltas = new int[samples.Count];
            long bytes = 0;
            // A candidate already past the best total cannot win: its other samples are not encoded.
            for (var i = 0; i < samples.Count && bytes < best.Bytes; i++)
            {
                deltas[i] = encoder.Encode(samples[i]).Length;
                bytes += deltas[i];
            }
            if (bytes < best.Bytes)
            {
                best = (bytes, encoder, deltas);
            }
        }
        return best.Encoder is null ? null : (best.Encoder, best.Deltas);
    }

    /// <summary>Whether the samples stored as the smaller of delta and record (<see cref="Weigh"/>) are at least <see cref="MinimumGain"/> smaller than as records.</summary>
    public static bool Pays((long Records, long Smaller) weighed) => weighed.Smaller <= weighed.Records * (1 - MinimumGain);

    /// <summary>
    /// The samples' bytes as <paramref name="record"/>s, and as the smaller of each one's delta record
    /// (<paramref name="deltas"/>: the payload lengths <see cref="Medoid"/> found) and record.
    /// </summary>
    public static (long Records, long Smaller) Weigh(int[] deltas, IReadOnlyList<byte[]> samples, Func<byte[], byte[]> record)
    {
        long records = 0, smaller = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            var stored = record(samples[i]).Length;
            records += stored;
            smaller += Math.Min(stored, RecordHeader.Size + deltas[i]);
        }
        return (records, smaller);
    }
}
