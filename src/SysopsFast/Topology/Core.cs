using SysopsFast.Redis;

namespace SysopsFast.Topology;

/// <summary>
/// A group of Redis servers that hold the same data (clients replicate to every one of them), or
/// one Redis Cluster given by its seed nodes. <see cref="Id"/> is <c>site/name</c>.
/// </summary>
public sealed record Core(string Site, string Name, IReadOnlyList<ServerAddress> Servers, bool IsCluster = false)
{
    /// <summary><c>site/name</c>; a core made from a bare <c>--server</c> has no site and is named by its address.</summary>
    public string Id => Site.Length == 0 ? Name : $"{Site}/{Name}";

    /// <inheritdoc/>
    public override string ToString() => Id;
}
