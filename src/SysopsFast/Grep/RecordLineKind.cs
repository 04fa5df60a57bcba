namespace SysopsFast.Grep;

/// <summary>One line per record instead of its lines, as GNU grep prints them for many files.</summary>
public enum RecordLineKind
{
    /// <summary><c>-c</c></summary>
    Count,

    /// <summary><c>-l</c></summary>
    WithMatch,

    /// <summary><c>-L</c></summary>
    WithoutMatch,
}
