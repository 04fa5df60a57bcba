using StackExchange.Redis;
using SysopsFast.Redis;
using Xunit;
using Xunit.Abstractions;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// A per-host pusher (its line from <see cref="AclRules.HostPusherLine"/>, loaded into a real
/// redis-server) may add key catalog entries for any host and object: ZADD cannot be limited to its
/// own members. Whatever it adds, queries answer with the keys that exist, exactly as SCAN would,
/// within the memory bound, and an existing host cannot be hidden.
/// </summary>
public sealed class CatalogPoisoningTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Secret = "catalog secret";
    private const string Attacker = "evil.example.org";
    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-catalog-").FullName;
    private RedisProcess _redis = null!;
    private ConnectionMultiplexer _admin = null!;

    public async Task InitializeAsync()
    {
        var aclFile = Path.Combine(_work, "users.acl");
        await File.WriteAllLinesAsync(aclFile, ["user default on nopass ~* &* +@all", AclRules.HostPusherLine(Attacker, Secret)]);
        _redis = await RedisProcess.StartAsync("--aclfile", aclFile);
        _admin = await ConnectionMultiplexer.ConnectAsync(_redis.Address);
        foreach (var host in new[] { "web1.example.org", "web2.example.org" })
        {
            await QueryFleet.PutAsync(_admin.GetDatabase(), host, "/motd", "hello\n"u8.ToArray());
        }
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _redis.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    /// <summary>The attacker's own connection: the per-host pusher's user and password.</summary>
    private async Task<ConnectionMultiplexer> AttackerAsync()
    {
        var options = ConfigurationOptions.Parse(_redis.Address);
        options.User = Attacker;
        options.Password = AclRules.HostPassword(Secret, Attacker);
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    /// <summary>ZADD of <paramref name="members"/> to <paramref name="key"/> as the attacker, in chunks.</summary>
    private async Task PoisonAsync(string key, IEnumerable<string> members, double score = double.PositiveInfinity)
    {
        await using var attacker = await AttackerAsync();
        var db = attacker.GetDatabase();
        foreach (var chunk in members.Chunk(5000))
        {
            await db.SortedSetAddAsync(key, [.. chunk.Select(m => new SortedSetEntry(m, score))]);
        }
    }

    private Task<CliRun> QueryAsync(params string[] args) => MeasuredCli.RunAsync([.. args, "--server", _redis.Address]);

    /// <summary>list-files, search and grep -c: what the fleet really holds.</summary>
    private async Task<string[]> AnswersAsync()
    {
        var answers = new List<string>();
        foreach (var query in new[] { new[] { "list-files" }, ["search", "motd"], ["search", "backdoor"], ["grep", "-c", "motd", "hello"] })
        {
            var run = await QueryAsync(query);
            output.WriteLine($"{string.Join(' ', query)}: {run}");
            Assert.True(run.PeakRssKb < MeasuredCli.MaxRssKb, run.ToString());
            // Hosts are answered in the order their records arrive.
            answers.Add($"{run.Exit} {string.Join('\n', run.StdoutText.Split('\n').Order(StringComparer.Ordinal))}");
        }
        return [.. answers];
    }

    [Fact]
    public async Task Five_thousand_fake_hosts_reach_no_answer()
    {
        var truth = await AnswersAsync();
        Assert.Equal("0 \n      2 /motd", truth[0]);

        var fakes = Enumerable.Range(0, 5000).Select(i => $"fake{i}.example.org").ToArray();
        await PoisonAsync(KeyCatalog.Prefix + "objects", ["/etc/backdoor"]);
        await PoisonAsync(KeyCatalog.Prefix + "object:/etc/backdoor", fakes);
        await PoisonAsync(KeyCatalog.Prefix + "object:/motd", fakes);
        await PoisonAsync(KeyCatalog.Prefix + "hosts", fakes);

        Assert.Equal(truth, await AnswersAsync());
    }

    [Fact]
    public async Task A_host_rescored_into_the_past_is_still_found_and_only_gone_entries_are_pruned()
    {
        var truth = await AnswersAsync();
        // ZADD without GT (the ACL cannot demand it): web2's entries now look expired long ago.
        await PoisonAsync(KeyCatalog.Prefix + "object:/motd", ["web2.example.org", "gone.example.org"], score: 1);
        await PoisonAsync(KeyCatalog.Prefix + "hosts", ["web2.example.org"], score: 1);
        await PoisonAsync(KeyCatalog.Prefix + "objects", ["/motd"], score: 1);

        // The default user may prune (an admin's queries do): twice, so a first query's pruning shows.
        Assert.Equal(truth, await AnswersAsync());
        Assert.Equal(truth, await AnswersAsync());
        var db = _admin.GetDatabase();
        Assert.NotNull(await db.SortedSetScoreAsync(KeyCatalog.Prefix + "object:/motd", "web2.example.org"));
        Assert.Null(await db.SortedSetScoreAsync(KeyCatalog.Prefix + "object:/motd", "gone.example.org"));
    }

    [Fact]
    public async Task Six_hundred_thousand_long_fake_members_keep_discovery_bounded_and_exact()
    {
        var truth = await AnswersAsync();
        // 300 bytes each, longer than any host name; "motd" in them, so a contains-pattern's host scan meets them too.
        var fakes = Enumerable.Range(0, 600_000).Select(i => $"motd{i:D8}".PadRight(300, 'x'));
        await PoisonAsync(KeyCatalog.Prefix + "object:/motd", fakes);
        await PoisonAsync(KeyCatalog.Prefix + "hosts", fakes);

        Assert.Equal(truth, await AnswersAsync());
        var search = await QueryAsync("search", "motd");
        Assert.Contains("600000 key catalog entries ignored", search.Stderr, StringComparison.Ordinal);
    }

    /// <summary>
    /// Any pusher may ZADD the host-name index: junk grams (a name's worth of them, re-scored ones)
    /// only make readers read host names again; none can be removed, so no host whose name holds
    /// the text is hidden, and no pusher can mark the index complete.
    /// </summary>
    [Fact]
    public async Task Junk_grams_hide_no_host_and_no_pusher_can_mark_the_index_complete()
    {
        // A host found by its name alone: "motd" is in its name, not in its object's.
        await QueryFleet.PutAsync(_admin.GetDatabase(), "motdhost.example.org", "/etc/issue", "hello\n"u8.ToArray());
        var truth = await AnswersAsync();
        Assert.Contains("motdhost.example.org#/etc/issue", truth[1], StringComparison.Ordinal);
        var index = await QueryAsync("catalog", "index");
        Assert.True(index.Exit == 0, index.ToString());
        Assert.True(await _admin.GetDatabase().KeyExistsAsync(KeyCatalog.HostGramsCompleteKey));
        Assert.Equal(truth, await AnswersAsync());

        await PoisonAsync(KeyCatalog.Prefix + "hostgrams", HostNameGrams.Of("backdoor.example.org").Select(System.Text.Encoding.UTF8.GetString));
        await PoisonAsync(KeyCatalog.Prefix + "hostgrams", ["mot", "otd", "m", "mo"], score: double.NegativeInfinity);
        await using (var attacker = await AttackerAsync())
        {
            await Assert.ThrowsAsync<RedisServerException>(() => attacker.GetDatabase().SortedSetAddAsync(KeyCatalog.HostGramsCompleteKey, "x", 1));
        }
        Assert.Equal(truth, await AnswersAsync());
    }

    [Fact]
    public async Task A_flooded_dictionary_list_reaches_no_answer_and_fails_no_server()
    {
        var truth = await AnswersAsync();
        // Push lists the dictionaries its records use, so any pusher may ZADD this set: a million
        // fake ids (past the largest reply a client accepts, when read whole) and long junk.
        await PoisonAsync(KeyCatalog.Prefix + "dicts", Enumerable.Range(0, 1_100_000).Select(i => i.ToString("x8", System.Globalization.CultureInfo.InvariantCulture)));
        await PoisonAsync(KeyCatalog.Prefix + "dicts", Enumerable.Range(0, 1_000).Select(i => $"{i:D8}".PadRight(300, 'x')));

        Assert.Equal(truth, await AnswersAsync());
    }
}
