namespace SysopsFast.Format;

/// <summary>Header flag bits. The numbers are on disk: never renumber.</summary>
[Flags]
public enum RecordFlags : ushort
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>The object was over the size cap; the payload is empty and RawLength is its real size.</summary>
    Omitted = 1,

    /// <summary>
    /// A relative version entry of a history list (docs/FORMAT.md, "History"): codec 4 with base id
    /// 0, its payload written against the contents of the next newer version. Never on a record key.
    /// </summary>
    Relative = 2,
}
