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
        Medoid(samples) is { } encoder && Pays(encoder, samples, record) ? encoder : null;

    /// <summary>Of the first <see cref="Candidates"/> samples within a base's size, the one whose deltas of all samples are smallest in total; null when none fits.</summary>
    public static LineDeltaEncoder? Medoid(IReadOnlyList<byte[]> samples)
    {
        (long Bytes, LineDeltaEncoder? Base) best = (long.MaxValue, null);
        foreach (var candidate in samples.Where(s => s.Length <= LineBase.MaxRawLength).Take(Candidates))
        {
            var encoder = new LineDeltaEncoder(new LineBase(candidate));
            long bytes = 0;
            foreach (var sample in samples)
            {
                bytes += encoder.Encode(sample)?.Length ?? sample.Length;
            }
            if (bytes < best.Bytes)
            {
                best = (bytes, encoder);
            }
        }
        return best.Base;
    }

    /// <summary>Whether the samples stored as the smaller of delta and <paramref name="record"/> are at least <see cref="MinimumGain"/> smaller than as records.</summary>
    public static bool Pays(LineDeltaEncoder encoder, IReadOnlyList<byte[]> samples, Func<byte[], byte[]> record)
    {
        var (records, smaller) = Weigh(encoder, samples, record);
        return smaller <= records * (1 - MinimumGain);
    }

    /// <summary>The samples' bytes as <paramref name="record"/>s, and as the smaller of each one's delta record and record.</summary>
    public static (long Records, long Smaller) Weigh(LineDeltaEncoder encoder, IReadOnlyList<byte[]> samples, Func<byte[], byte[]> record)
    {
        long records = 0, smaller = 0;
        foreach (var sample in samples)
        {
            var stored = record(sample).Length;
            records += stored;
            smaller += encoder.Encode(sample) is { } delta ? Math.Min(stored, RecordHeader.Size + delta.Length) : stored;
        }
        return (records, smaller);
    }
}
