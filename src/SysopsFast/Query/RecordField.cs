namespace SysopsFast.Query;

/// <summary>What <c>search</c> and <c>compare</c> print of each record (the original's field flags).</summary>
public enum RecordField
{
    /// <summary>No field: the key alone.</summary>
    Key,
    /// <summary>The contents.</summary>
    Contents,
    /// <summary>The md5 of the contents.</summary>
    Md5sum,
    /// <summary>Mode, owner, group, size and mtime.</summary>
    Stat,
    /// <summary>Characters, lines and words.</summary>
    Wordcount,
    /// <summary>The insertion time, in Unix seconds.</summary>
    Time,
    /// <summary>The insertion time, as the C library's ctime.</summary>
    TimeHuman,
    /// <summary>How long ago it was inserted.</summary>
    TimeUpdated,
}
