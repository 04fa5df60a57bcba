using System.Text.RegularExpressions;
using SysopsFast.Grep;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>Workers testing lines at once each get an instance of their own once sharing has cost more than building one.</summary>
public class RegexPoolTests
{
    private static RegexPool Pool(List<Regex> built) =>
        new(new Regex("a.c", RegexOptions.NonBacktracking), () =>
        {
            var regex = new Regex("a.c", RegexOptions.NonBacktracking);
            built.Add(regex);
            return regex;
        });

    [Fact]
    public void A_free_instance_is_lent_and_given_back()
    {
        var pool = Pool([]);
        var first = pool.Rent();
        Assert.True(first.Owned);
        first.Dispose();
        var again = pool.Rent();
        Assert.True(again.Owned);
        Assert.Same(first.Regex, again.Regex);
    }

    [Fact]
    public void With_every_instance_lent_the_first_is_shared_until_misses_pay_for_another()
    {
        var built = new List<Regex>();
        var pool = Pool(built);
        var held = pool.Rent();
        for (var i = 1; i < RegexPool.MissesPerInstance; i++)
        {
            var shared = pool.Rent();
            Assert.False(shared.Owned);
            Assert.Same(held.Regex, shared.Regex);
            shared.Dispose(); // a shared instance is never put back
        }
        var own = pool.Rent();
        Assert.Equal(Environment.ProcessorCount > 1, own.Owned);
        if (own.Owned)
        {
            Assert.Single(built);
            Assert.NotSame(held.Regex, own.Regex);
            own.Dispose();
            // The built instance stays: the next worker gets it without building again.
            var next = pool.Rent();
            Assert.Same(own.Regex, next.Regex);
            Assert.Single(built);
        }
    }

    [Fact]
    public void Instances_never_exceed_one_per_core()
    {
        var built = new List<Regex>();
        var pool = Pool(built);
        var leases = new List<RegexPool.Lease>();
        for (var i = 0; i < (Environment.ProcessorCount + 3) * RegexPool.MissesPerInstance; i++)
        {
            var lease = pool.Rent();
            if (lease.Owned)
            {
                leases.Add(lease); // held: every later rent misses
            }
        }
        Assert.Equal(Environment.ProcessorCount, leases.Count);
        Assert.Equal(Environment.ProcessorCount - 1, built.Count);
        Assert.Equal(leases.Count, leases.Select(l => l.Regex).Distinct().Count());
    }
}
