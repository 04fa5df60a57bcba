namespace SysopsFast.Query;

/// <summary>One server's <c>catalog index</c>: the host names it read and the grams it added (<see cref="CatalogKeeper.IndexHostNamesAsync"/>).</summary>
/// <param name="Core">The server's core.</param>
/// <param name="Server">The server (a cluster: its first seed).</param>
/// <param name="HostNames">Host names read from the catalog's host set.</param>
/// <param name="GramsAdded">Grams sent to the index (those already there are left alone).</param>
public sealed record HostNameIndexRow(string Core, string Server, long HostNames, long GramsAdded)
{
    /// <summary>Why the server could not be indexed (its index is then not marked complete); null when it was.</summary>
    public string? Error { get; init; }
}
