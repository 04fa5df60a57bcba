namespace SysopsFast.Query;

/// <summary>
/// One dictionary of one server (`dict list`): the object it is current for (null: no longer
/// current for any, still kept for the records written with it), its size and remaining life.
/// </summary>
public sealed record DictionaryEntry(string Core, string Server, string? Object, uint Id)
{
    /// <summary>Bytes of the dictionary; null when the server lacks it (its current pointer names a dictionary that is gone).</summary>
    public long? Bytes { get; init; }

    /// <summary>Time left before it expires; null when it never expires (or is gone).</summary>
    public TimeSpan? ExpiresIn { get; init; }

    /// <summary>Why the server could not be read (the row then names no dictionary).</summary>
    public string? Error { get; init; }
}
