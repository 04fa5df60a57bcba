namespace SysopsFast.Query;

/// <summary>What <c>search</c> and <c>compare</c> print of each record (the original's field flags).</summary>
public enum RecordField
{
    /// <summary>No field: the key alone.</summary>
    Key,
    Contents,
    Md5sum,
    Stat,
    Wordcount,
    Time,
    TimeHuman,
    TimeUpdated,
}
