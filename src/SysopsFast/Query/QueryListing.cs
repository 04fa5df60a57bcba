using SysopsFast.Pipeline;

namespace SysopsFast.Query;

/// <summary>A sorted answer (keys, headers, records) and what reading it cost.</summary>
public sealed record QueryListing<T>(IReadOnlyList<T> Items, ExtractSummary Summary);
