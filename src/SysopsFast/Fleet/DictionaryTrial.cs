using SysopsFast.Format;

namespace SysopsFast.Fleet;

/// <summary>
/// A candidate dictionary for one object, trained on four fifths of its samples and weighed against
/// the current one (or LZ4, when there is none) on the other fifth. Measured on samples it was not
/// trained on, a new dictionary cannot look better merely by holding them (a small object's
/// samples fit whole in 64 KiB), so retraining an object whose contents did not drift keeps the
/// current dictionary instead of churning.
/// </summary>
internal sealed record DictionaryTrial(CompressionDictionary Candidate, int HeldOut, long CurrentBytes, long CandidateBytes)
{
    /// <summary>Every fifth sample is held out of the training to measure with.</summary>
    public const int HeldOutEvery = 5;

    /// <summary>
    /// The saving a new dictionary must bring on the held-out samples to replace the current one:
    /// a replacement makes every host rewrite its record of the object at its next push, and keeps
    /// the old dictionary alive (and loaded by queries) until those records expire; and a few per
    /// cent is what another choice of samples moves the sizes by.
    /// </summary>
    public const double RequiredGain = 0.05;

    public static DictionaryTrial Run(IReadOnlyList<byte[]> samples, CompressionDictionary? current)
    {
        var heldOut = samples.Where((_, i) => i % HeldOutEvery == 0).ToArray();
        var training = samples.Where((_, i) => i % HeldOutEvery != 0).ToArray();
        var candidate = CompressionDictionary.Train(training);
        return new DictionaryTrial(candidate, heldOut.Length, PayloadBytes(heldOut, current), PayloadBytes(heldOut, candidate));
    }

    /// <summary>Whether the candidate is a different dictionary that saves enough to replace the current one.</summary>
    public bool Better(CompressionDictionary? current) =>
        Candidate.Id != current?.Id && CandidateBytes <= CurrentBytes * (1 - RequiredGain);

    /// <summary>What push would store of these contents: zstd with the dictionary, or LZ4 without one (headers left out: they do not change).</summary>
    private static long PayloadBytes(IEnumerable<byte[]> contents, CompressionDictionary? dictionary) =>
        contents.Sum(c => (long)RecordEncoder.Encode(c, FileStat.None, 0, dictionary is null ? PayloadCodec.Lz4 : PayloadCodec.ZstdDictionary, dictionary: dictionary).Length - RecordHeader.Size);
}
