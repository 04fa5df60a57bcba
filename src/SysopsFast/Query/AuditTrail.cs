namespace SysopsFast.Query;

/// <summary>
/// The audit stream: each query appends an <see cref="AuditEntry"/> to <see cref="Stream"/> on
/// every server it touched, capped at about <see cref="MaxLength"/> entries (XADD MAXLEN ~); the
/// reader role may append to it and read it, nothing else (docs/SECURITY.md).
/// </summary>
public static class AuditTrail
{
    public const string Stream = Redis.AclRules.AuditKey;

    public const long MaxLength = 100_000;

    /// <summary>Entries read per round trip when reading the stream back.</summary>
    internal const int Page = 1000;
}
