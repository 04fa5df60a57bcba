using StackExchange.Redis;
using SysopsFast.Grep;
using SysopsFast.Query;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// Joins by host (--having / --lacking) on a real redis-server: six hosts; three have the openssl
/// package line, one has a package list without it, two hold no package list at all.
/// </summary>
public sealed class HostJoinTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private const int Db = 15;
    private static readonly int[] Budgets = [300, 600, 300, 450, 300, 600];
    private string Url => $"redis://{redis.Address}/{Db}";

    private static string Host(int i) => $"j{i}.example.org";

    public async Task InitializeAsync()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var db = mux.GetDatabase(Db);
        for (var i = 0; i < Budgets.Length; i++)
        {
            await QueryFleet.PutAsync(db, Host(i), "cmd/sysctl-a", System.Text.Encoding.UTF8.GetBytes($"kernel.hostname = {Host(i)}\nnet.core.netdev_budget = {Budgets[i]}\n"));
            if (i < 3)
            {
                await QueryFleet.PutAsync(db, Host(i), "cmd/rpm-qa", "bash-5.1.8-6.el9\nopenssl-3.0.7-24.el9\n"u8.ToArray());
            }
            else if (i == 3)
            {
                await QueryFleet.PutAsync(db, Host(i), "cmd/rpm-qa", "bash-5.1.8-6.el9\nopenssl-3.0.7-18.el9\n"u8.ToArray());
            }
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<IReadOnlyList<UniqCount>> Uniq(params HostCondition[] conditions)
    {
        await using var query = new FleetQuery([ServerAddress.Parse(Url)]);
        var join = await query.NarrowToHostsAsync(conditions);
        await using var narrowed = join.Query;
        return (await narrowed.GrepUniqAsync(new GrepRequest("sysctl-a", "netdev_budget"))).Counts;
    }

    [Fact]
    public async Task A_join_returns_a_narrowed_query_and_the_parent_still_answers_for_every_host()
    {
        await using var query = new FleetQuery([ServerAddress.Parse(Url)]);
        var request = new GrepRequest("sysctl-a", "netdev_budget");
        var join = await query.NarrowToHostsAsync([new HostCondition("rpm-qa", "openssl-3.0.7-24", Having: true)]);
        Assert.Equal(3, (await join.Query.GrepUniqAsync(request)).Counts.Sum(c => c.Count));
        // Disposing the narrowed query closes nothing of the parent's: the parent answers for all six.
        await join.Query.DisposeAsync();
        Assert.Equal(6, (await query.GrepUniqAsync(request)).Counts.Sum(c => c.Count));
        Assert.Equal(Budgets.Length, (await query.SearchAsync("sysctl-a")).Items.Count);
    }

    [Fact]
    public async Task Having_keeps_the_hosts_whose_other_object_matches()
    {
        // j0 300, j1 600, j2 300.
        Assert.Equal([new UniqCount("net.core.netdev_budget = 300", 2), new UniqCount("net.core.netdev_budget = 600", 1)],
            await Uniq(new HostCondition("rpm-qa", "openssl-3.0.7-24", Having: true)));
    }

    [Fact]
    public async Task Lacking_keeps_the_others_including_hosts_without_the_object()
    {
        // j3 450 (another openssl), j4 300 and j5 600 (no package list at all).
        Assert.Equal([new UniqCount("net.core.netdev_budget = 300", 1), new UniqCount("net.core.netdev_budget = 450", 1), new UniqCount("net.core.netdev_budget = 600", 1)],
            await Uniq(new HostCondition("rpm-qa", "openssl-3.0.7-24", Having: false)));
    }

    [Fact]
    public async Task Conditions_combine_and_a_join_nobody_satisfies_answers_nothing()
    {
        // Has a package list, but not the fixed openssl: j3 alone.
        Assert.Equal([new UniqCount("net.core.netdev_budget = 450", 1)],
            await Uniq(new HostCondition("rpm-qa", "bash-", Having: true), new HostCondition("rpm-qa", "openssl-3.0.7-24", Having: false)));
        Assert.Empty(await Uniq(new HostCondition("rpm-qa", "no-such-package", Having: true)));
    }

    [Fact]
    public async Task The_cli_joins_on_grep_search_and_compare_all()
    {
        var (exit, stdout, stderr) = await CliProcessTests.Run("grep", "sysctl-a", "netdev_budget", "--uniq", "--lacking", "rpm-qa", "openssl-3.0.7-24", "--server", Url);
        Assert.True(exit == 0, stderr);
        Assert.Equal("      1 net.core.netdev_budget = 300\n      1 net.core.netdev_budget = 450\n      1 net.core.netdev_budget = 600\n", stdout);

        (exit, stdout, stderr) = await CliProcessTests.Run("search", "sysctl-a", "--having", "rpm-qa", "openssl-3.0.7-24", "--server", Url);
        Assert.True(exit == 0, stderr);
        Assert.Equal(string.Concat(new[] { 0, 1, 2 }.Select(i => Host(i) + "#cmd/sysctl-a\n")), stdout);

        (exit, stdout, stderr) = await CliProcessTests.Run("compare-all", "sysctl-a", "--json", "--having", "rpm-qa", "bash-", "--lacking", "rpm-qa", "openssl-3.0.7-24", "--server", Url);
        Assert.True(exit == 0, stderr);
        Assert.Contains("\"hosts\":[\"j3.example.org\"]", stdout, StringComparison.Ordinal);

        (exit, stdout, _) = await CliProcessTests.Run("grep", "sysctl-a", "netdev_budget", "--having", "rpm-qa", "no-such-package", "--server", Url);
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);

        (exit, _, stderr) = await CliProcessTests.Run("grep", "sysctl-a", "netdev_budget", "--having", "rpm-qa", "--server", Url);
        Assert.Equal(2, exit); // a condition needs both an object and a text
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
