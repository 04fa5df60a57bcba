namespace SysopsFast.Topology;

/// <summary>Which cores a query covers and how it treats their servers.</summary>
public sealed record QueryTargeting
{
    /// <summary>Default global: the whole fleet, as in the headline query.</summary>
    public QueryScope Scope { get; init; } = QueryScope.Global;

    /// <summary>For <see cref="QueryScope.Site"/>; default: this machine's site from the topology.</summary>
    public string? Site { get; init; }

    /// <summary>Ask every server of each core (a key found on several is counted once), not one picked at random.</summary>
    public bool NoLoadBalance { get; init; }

    /// <summary>A core with no live server becomes a warning instead of an error.</summary>
    public bool AllowPartial { get; init; }

    /// <summary>
    /// Find keys with SCAN MATCH even where a server has a key catalog: slower (the whole keyspace
    /// is swept) but it also finds keys written by clients that keep no catalog.
    /// </summary>
    public bool Scan { get; init; }

    /// <summary>Only these hosts (--hosts, --host, --range-query); null for all.</summary>
    public HostFilter? Hosts { get; init; }

    /// <summary>The load-balancing choice; tests fix it, everyone else leaves it null.</summary>
    public Random? Random { get; init; }
}
