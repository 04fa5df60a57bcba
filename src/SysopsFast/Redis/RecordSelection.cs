using SysopsFast.Pipeline;

namespace SysopsFast.Redis;

/// <summary>Which records a <see cref="RedisRecordSource"/> reads, and how much of each.</summary>
public sealed record RecordSelection
{
    /// <summary>A SCAN MATCH glob over keys (<see cref="ObjectKey.ToKeyGlob"/> builds it from an object pattern).</summary>
    public required string KeyGlob { get; init; }

    /// <summary>Exactly these keys instead of discovering them (each core is asked; a key it lacks is skipped).</summary>
    public IReadOnlyList<byte[]>? Keys { get; init; }

    /// <summary>Whole records, headers alone, or keys alone.</summary>
    public RecordReadMode Mode { get; init; } = RecordReadMode.Contents;

    /// <summary>Only these hosts; null for all.</summary>
    public Topology.HostFilter? Hosts { get; init; }

    /// <summary>Discover keys with SCAN even where a key catalog exists.</summary>
    public bool Scan { get; init; }

    /// <summary>Contents mode: refuse records whose decoded contents do not match their header's md5 (readers that hand contents on whole).</summary>
    public bool CheckMd5 { get; init; }

    /// <summary>
    /// Read the fleet as it was at this time (<c>--as-of</c>): a record stored later is replaced by the
    /// version its history kept from then, or left out when none was (docs/ARCHITECTURE.md). Keys
    /// alone are then read with their headers, and nothing is deduplicated.
    /// </summary>
    public DateTimeOffset? AsOf { get; init; }

    /// <summary>
    /// Hand on only the records whose contents changed since the ledger's time, noting each one's
    /// version then in it (<c>--changed-since</c>; read with headers alone, docs/ARCHITECTURE.md).
    /// </summary>
    internal ChangeLedger? ChangedSince { get; init; }

    /// <summary>Contents mode: fetch one record per distinct md5 where that saves bytes (the header fields of the others are not read).</summary>
    public bool Deduplicate { get; init; }
}
