namespace SysopsFast.Query;

/// <summary>
/// The audit trail: each query appends an <see cref="AuditEntry"/> on every server it touched to the
/// stream of the Redis user it connected as (<see cref="StreamOf"/>), capped at about
/// <see cref="MaxLength"/> entries (XADD MAXLEN ~). Each user may append to its own stream only and
/// read all of them (docs/SECURITY.md), so the stream an entry is in names its author.
/// </summary>
public static class AuditTrail
{
    /// <summary>What every audit stream's key starts with; the Redis user's name follows.</summary>
    public const string Prefix = "#audit:";

    /// <summary>Entries a stream keeps, about (older ones are trimmed as new ones come).</summary>
    public const long MaxLength = 100_000;

    /// <summary>Entries read per round trip from each stream (so at most this many per stream in memory).</summary>
    internal const int Page = 200;

    /// <summary>Keys returned per SCAN round trip when finding the streams.</summary>
    internal const int ScanPage = 1000;

    /// <summary>The key of <paramref name="user"/>'s audit stream.</summary>
    public static string StreamOf(string user) => Prefix + user;
}
