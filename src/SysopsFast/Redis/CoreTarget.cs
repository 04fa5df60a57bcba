using SysopsFast.Topology;

namespace SysopsFast.Redis;

/// <summary>
/// Stage 1's answer for one core: the servers to try, in order (shuffled for load balancing), or,
/// with <see cref="AskAll"/>, every server at once.
/// </summary>
public sealed record CoreTarget(Core Core, IReadOnlyList<ServerAddress> Candidates, bool AskAll = false)
{
    /// <summary>One target per core: candidates shuffled (load balancing) unless <paramref name="noLoadBalance"/>, which asks every server.</summary>
    public static IReadOnlyList<CoreTarget> Plan(IEnumerable<Core> cores, bool noLoadBalance, Random? random = null)
    {
        var rng = random ?? Random.Shared;
        return cores.Select(c =>
        {
            var order = c.Servers.ToArray();
            rng.Shuffle(order);
            return new CoreTarget(c, order, noLoadBalance && order.Length > 1);
        }).ToList();
    }
}
