using SysopsFast.Pipeline;

namespace SysopsFast.Query;

/// <summary>A sorted answer (keys, headers, records) and what reading it cost.</summary>
public sealed record QueryListing<T>(IReadOnlyList<T> Items, ExtractSummary Summary);

/// <summary>A header query's answer: the records' keys and headers sorted by key, and what reading them cost.</summary>
public sealed record MetadataListing(RecordMetadataList Items, ExtractSummary Summary);
