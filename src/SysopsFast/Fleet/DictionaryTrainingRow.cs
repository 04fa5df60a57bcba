namespace SysopsFast.Fleet;

/// <summary>What `dict train` decided for one object of one core.</summary>
public enum DictionaryVerdict
{
    /// <summary>The new dictionary is now the object's current one on the core's servers.</summary>
    Published,

    /// <summary>The current dictionary (or LZ4, when there is none) stays: the new one saved too little.</summary>
    Kept,

    /// <summary>Too few hosts hold the object for a dictionary to pay (fewer than <see cref="DictionaryTrainer.MinimumHosts"/>).</summary>
    TooFewHosts,
}

/// <summary>
/// One object of one core after `dict train`: how many hosts hold it, how many samples were read
/// (of which <see cref="HeldOut"/> measured both dictionaries, untrained on), what those held-out
/// samples take compressed with the current dictionary (<see cref="CurrentId"/> 0: LZ4) and with
/// the new one, and what was done.
/// </summary>
public sealed record DictionaryTrainingRow(string Core, string Object, int Hosts, DictionaryVerdict Verdict)
{
    /// <summary>Sample records read for training and measuring.</summary>
    public int Samples { get; init; }

    /// <summary>Samples kept out of training, to measure both dictionaries on data neither was trained on.</summary>
    public int HeldOut { get; init; }

    /// <summary>The current dictionary's id; 0 when there is none (the object is stored with LZ4).</summary>
    public uint CurrentId { get; init; }

    /// <summary>The held-out samples' bytes compressed with the current dictionary (LZ4 when there is none).</summary>
    public long CurrentBytes { get; init; }

    /// <summary>The new dictionary's id.</summary>
    public uint NewId { get; init; }

    /// <summary>The held-out samples' bytes compressed with the new dictionary.</summary>
    public long NewBytes { get; init; }

    /// <summary>The line delta base published for the object (the samples' medoid); 0 when none pays and none is current any more.</summary>
    public uint BaseId { get; init; }

    /// <summary>The samples' bytes as records with the kept dictionary (LZ4 when there is none).</summary>
    public long RecordBytes { get; init; }

    /// <summary>The samples' bytes, each as the smaller of its delta against the medoid and its record.</summary>
    public long DeltaBytes { get; init; }

    /// <summary>"server: why" for each server of the core the kept or published dictionary could not be written to.</summary>
    public IReadOnlyList<string> Failures { get; init; } = [];

    /// <summary>The new dictionary's saving on the held-out samples (0.25: a quarter smaller).</summary>
    public double Gain => CurrentBytes == 0 ? 0 : 1 - ((double)NewBytes / CurrentBytes);
}
