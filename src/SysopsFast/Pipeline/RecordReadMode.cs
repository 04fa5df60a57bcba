namespace SysopsFast.Pipeline;

/// <summary>How much of each record a query reads from Redis.</summary>
public enum RecordReadMode
{
    /// <summary>The whole record: header and decoded contents (grep, dump, --contents).</summary>
    Contents,

    /// <summary>
    /// The fixed header alone (GETRANGE of its 120 bytes): md5, stat, word count, insertion time.
    /// Processors get the header and empty contents; nothing of the payload crosses the wire.
    /// </summary>
    Header,

    /// <summary>Key discovery only: processors get each key with a default header and empty contents.</summary>
    KeyOnly,
}
