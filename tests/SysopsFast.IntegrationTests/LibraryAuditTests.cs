using StackExchange.Redis;
using SysopsFast.Grep;
using SysopsFast.Query;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// Audit as a policy of the query object: a program that embeds the library is audited as the CLI
/// is (one entry per answer on each server read), unless it says <see cref="AuditPolicy.Off"/> in
/// code; a join and its answer are one entry; cancellation is thrown by every call.
/// </summary>
public sealed class LibraryAuditTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private const int Db = 13;
    private string Url => $"redis://{redis.Address}/{Db}";

    public async Task InitializeAsync()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var db = mux.GetDatabase(Db);
        for (var i = 0; i < 4; i++)
        {
            await QueryFleet.PutAsync(db, $"la{i}.example.org", "motd", System.Text.Encoding.UTF8.GetBytes($"hello from la{i}\n"));
            await QueryFleet.PutAsync(db, $"la{i}.example.org", "cmd/rpm-qa", System.Text.Encoding.UTF8.GetBytes(i < 2 ? "openssl-3\n" : "bash\n"));
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>The entries whose text pattern or description carries <paramref name="tag"/>.</summary>
    private async Task<List<AuditEntry>> EntriesAsync(string tag)
    {
        await using var reader = new FleetQuery([ServerAddress.Parse(Url)]);
        var entries = new List<AuditEntry>();
        await foreach (var e in reader.Audit.ReadAsync(DateTimeOffset.UtcNow.AddMinutes(-5)))
        {
            if (e.TextPattern.Contains(tag, StringComparison.Ordinal) || e.Command.Contains(tag, StringComparison.Ordinal))
            {
                entries.Add(e);
            }
        }
        return entries;
    }

    [Fact]
    public async Task The_published_cost_names_no_password_the_arguments_carried()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var messages = new System.Collections.Concurrent.BlockingCollection<string>();
        await mux.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Query.CostMessage.Channel), (_, m) => messages.Add(m!));
        await using var query = new FleetQuery([ServerAddress.Parse(Url)]);
        var server = query.Servers[0].ToString();

        await query.Audit.PublishCostAsync("grep", ["grep", "motd", "x", "--server", "redis://u:hunter2@h:1", "--tls-key-password", "hunter3", "--secret=hunter4"], [new Pipeline.ServerCost(server, 1, 2, 3, TimeSpan.FromMilliseconds(5))], TimeSpan.FromMilliseconds(5));

        Assert.True(messages.TryTake(out var message, TimeSpan.FromSeconds(10)), "no cost message");
        Assert.DoesNotContain("hunter", message, StringComparison.Ordinal);
        Assert.Contains("redis://u:***@h:1", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_embedding_program_is_audited_once_per_answer_by_default()
    {
        var tag = Tag();
        await using (var query = new FleetQuery([ServerAddress.Parse(Url)]))
        {
            await query.GrepUniqAsync(new GrepRequest("motd", $"hello|{tag}") { Regex = true });
        }
        var entry = Assert.Single(await EntriesAsync(tag));
        Assert.Equal($"grep motd hello|{tag}", entry.Command);
        Assert.Equal("motd", entry.ObjectPattern);
        Assert.Equal(Environment.UserName, entry.OsUser);
        Assert.Equal(4, entry.Keys);
    }

    [Fact]
    public async Task A_program_that_turns_auditing_off_says_so_in_code_and_nothing_is_recorded()
    {
        var tag = Tag();
        await using (var query = new FleetQuery([ServerAddress.Parse(Url)]) { AuditPolicy = AuditPolicy.Off })
        {
            await query.GrepUniqAsync(new GrepRequest("motd", $"hello|{tag}") { Regex = true });
        }
        Assert.Empty(await EntriesAsync(tag));
    }

    [Fact]
    public async Task A_join_and_its_answer_are_one_entry_described_as_the_caller_says()
    {
        var tag = Tag();
        await using (var query = new FleetQuery([ServerAddress.Parse(Url)]) { AuditPolicy = AuditPolicy.On with { Description = "my tool " + tag } })
        {
            var join = await query.NarrowToHostsAsync([new HostCondition("rpm-qa", "openssl", Having: true)]);
            var (counts, _) = await join.Query.GrepUniqAsync(new GrepRequest("motd", $"hello|{tag}") { Regex = true });
            Assert.Equal(2, counts.Count);
        }
        var entry = Assert.Single(await EntriesAsync(tag));
        Assert.Equal("my tool " + tag, entry.Command);
        Assert.Equal(4 + 2, entry.Keys); // the join read 4 package lists, the answer 2 motds
    }

    [Fact]
    public async Task Compare_and_compare_all_are_library_calls_of_one_entry_each()
    {
        var tag = Tag();
        var compared = new List<Comparison>();
        var groups = new List<GroupComparison>();
        await using (var query = new FleetQuery([ServerAddress.Parse(Url)]) { AuditPolicy = AuditPolicy.On with { Description = "compare " + tag } })
        {
            var one = await query.Comparison.CompareAsync("la0.example.org#motd", "motd", new CompareOptions(), (_, c) => compared.Add(c));
            Assert.Equal((3, 0), (one.Compared, one.Unread.Count));
            var all = await query.Comparison.CompareAllAsync("motd", new CompareOptions(), (g, _, _) => groups.Add(g));
            Assert.Equal(4, all.Compared);
        }
        Assert.Equal(["la1.example.org#motd", "la2.example.org#motd", "la3.example.org#motd"], compared.Select(c => c.Record.Key));
        Assert.All(compared, c => Assert.Contains("+hello from la", System.Text.Encoding.UTF8.GetString(c.Diff!), StringComparison.Ordinal));
        Assert.Equal([true, false, false, false], groups.Select(g => g.Majority));
        Assert.Equal(2, (await EntriesAsync(tag)).Count);
    }

    [Fact]
    public async Task Reading_contents_is_one_entry_for_the_headers_and_every_chunk()
    {
        var tag = Tag();
        var read = new List<string>();
        await using (var query = new FleetQuery([ServerAddress.Parse(Url)]) { AuditPolicy = AuditPolicy.On with { Description = "contents " + tag } })
        {
            var listing = await query.ReadContentsAsync("motd", r => read.Add(r.Key));
            Assert.Equal((4, 0, 0), (listing.Read, listing.Omitted.Count, listing.Expired));
        }
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"la{i}.example.org#motd"), read);
        Assert.Single(await EntriesAsync(tag));
    }

    [Fact]
    public async Task The_published_cost_names_who_asked_and_from_where_as_the_querys_audit_policy_says()
    {
        var tag = Tag();
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var messages = new System.Collections.Concurrent.BlockingCollection<string>();
        await mux.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Query.CostMessage.Channel), (_, m) => messages.Add(m!));
        await using var query = new FleetQuery([ServerAddress.Parse(Url)]) { AuditPolicy = AuditPolicy.On with { OsUser = "alice-" + tag, ClientHost = "box-" + tag } };

        await query.Audit.PublishCostAsync("grep", ["grep", "motd", tag], [new Pipeline.ServerCost(query.Servers[0].ToString(), 1, 2, 3, TimeSpan.FromMilliseconds(5))], TimeSpan.FromMilliseconds(5));

        Assert.True(messages.TryTake(out var message, TimeSpan.FromSeconds(10)), "no cost message");
        using var json = System.Text.Json.JsonDocument.Parse(message);
        Assert.Equal("alice-" + tag, json.RootElement.GetProperty("user").GetString());
        Assert.Equal("box-" + tag, json.RootElement.GetProperty("client").GetString());
    }

    [Theory]
    [InlineData("-H")]
    [InlineData("-c")]
    [InlineData("-l")]
    [InlineData("-L")]
    public async Task Grep_naming_hosts_or_records_is_one_query_of_one_entry(string option)
    {
        var tag = Tag();
        var (exit, stdout, stderr) = await CliProcessTests.Run("grep", "motd", $"from la0|{tag}", option, "--server", Url);
        Assert.True(exit is 0 or 1, stderr);
        Assert.NotEqual("", stdout);
        Assert.Single(await EntriesAsync(tag));
    }

    [Fact]
    public async Task The_library_says_whether_a_host_has_several_matching_objects_before_the_sinks_are_made()
    {
        var tag = Tag();
        var told = new List<bool>();
        await using (var query = new FleetQuery([ServerAddress.Parse(Url)]) { AuditPolicy = AuditPolicy.On with { Description = "naming " + tag } })
        {
            foreach (var pattern in new[] { "motd", "la0.example.org#*" })
            {
                var result = await query.GrepAsync(new GrepRequest(pattern, "hello|openssl"), several =>
                {
                    told.Add(several);
                    return new Grep.UniqCountSinkFactory(0);
                });
                Assert.True(result.SelectedLines > 0);
            }
        }
        Assert.Equal([false, true], told);
        Assert.Equal(2, (await EntriesAsync(tag)).Count);
    }

    /// <summary>
    /// When the key catalog's object names settle it (one object selected, no host named by the
    /// text), the keys are not listed before the grep: no EXISTS per key. When they do not (two
    /// objects), the keys are listed, and a host holding both is told.
    /// </summary>
    [Fact]
    public async Task Naming_by_host_lists_no_keys_when_the_catalog_names_one_object()
    {
        const int hosts = 60;
        var tag = Tag();
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address + ",allowAdmin=true");
        var db = mux.GetDatabase(Db);
        for (var i = 0; i < hosts; i++)
        {
            await QueryFleet.PutAsync(db, $"nh{i}.example.org", $"one-{tag}", "x\n"u8.ToArray());
            await QueryFleet.PutAsync(db, $"nh{i}.example.org", $"two-{tag}-a", "x\n"u8.ToArray());
            await QueryFleet.PutAsync(db, $"nh{i}.example.org", $"two-{tag}-b", "x\n"u8.ToArray());
        }
        await using var query = new FleetQuery([ServerAddress.Parse(Url)]);
        foreach (var (pattern, several) in new[] { ($"one-{tag}", false), ($"two-{tag}", true) })
        {
            await db.ExecuteAsync("CONFIG", "RESETSTAT");
            var told = new List<bool>();
            var result = await query.GrepAsync(new GrepRequest(pattern, "x"), s =>
            {
                told.Add(s);
                return new Grep.UniqCountSinkFactory(0);
            });
            var keys = several ? 2 * hosts : hosts;
            Assert.Equal(keys, result.SelectedLines);
            Assert.Equal([several], told);
            var exists = ExistsCalls((string)(await db.ExecuteAsync("INFO", "commandstats"))!);
            // Listing checks each key with EXISTS; without it, a few remain (connection handshakes, the catalog's own).
            Assert.True(several ? exists >= keys : exists < 10, $"{pattern}: {exists} EXISTS");
        }
    }

    private static long ExistsCalls(string commandStats) =>
        System.Text.RegularExpressions.Regex.Match(commandStats, @"^cmdstat_exists:calls=(\d+)", System.Text.RegularExpressions.RegexOptions.Multiline) is { Success: true } m
            ? long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;

    [Fact]
    public async Task A_consumer_that_stops_reading_lines_early_is_audited_once()
    {
        var tag = Tag();
        await using (var query = new FleetQuery([ServerAddress.Parse(Url)]) { AuditPolicy = AuditPolicy.On with { Description = "lines " + tag } })
        {
            await foreach (var line in query.GrepLinesAsync(new GrepRequest("motd", "hello")))
            {
                Assert.StartsWith("hello from la", line.Line, StringComparison.Ordinal);
                break;
            }
        }
        var entry = Assert.Single(await EntriesAsync(tag));
        Assert.Equal("motd", entry.ObjectPattern);
    }

    [Fact]
    public async Task Md5_groups_streamed_with_their_samples_are_one_entry()
    {
        var tag = Tag();
        var samples = new List<string>();
        await using (var query = new FleetQuery([ServerAddress.Parse(Url)]) { AuditPolicy = AuditPolicy.On with { Description = "md5 " + tag } })
        {
            var grouping = await query.Md5Groups.GroupAndSampleAsync("rpm-qa", g => samples.Add(System.Text.Encoding.UTF8.GetString(g.Sample!.Contents)));
            Assert.Equal(2, grouping.Groups.Count);
            Assert.NotEmpty(grouping.Fetches);
        }
        Assert.Equal(["bash\n", "openssl-3\n"], samples.Order(StringComparer.Ordinal));
        Assert.Single(await EntriesAsync(tag));
    }

    /// <summary>
    /// The audit server holds writes (CLIENT PAUSE WRITE: reads go on, XADD waits): the answer comes
    /// back while its entry is still unwritten and unrefused, and the entry is in the stream once
    /// the query is disposed.
    /// </summary>
    [Fact]
    public async Task The_answer_does_not_wait_for_a_slow_audit_write_which_is_done_before_dispose_returns()
    {
        var tag = Tag();
        var refusals = new System.Collections.Concurrent.ConcurrentQueue<AuditRefusal>();
        await using var admin = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { redis.Address }, AllowAdmin = true });
        var server = admin.GetServer(redis.Address);
        var query = new FleetQuery([ServerAddress.Parse(Url)]) { AuditPolicy = AuditPolicy.On with { Description = "slow " + tag, Refused = refusals.Enqueue } };
        try
        {
            await server.ExecuteAsync("CLIENT", "PAUSE", "60000", "WRITE");
            var (counts, _) = await query.GrepUniqAsync(new GrepRequest("motd", "hello"));
            Assert.Equal(4, counts.Count);
            Assert.Empty(refusals); // the write is under way, not given up on
            Assert.Empty(await EntriesAsync(tag));
        }
        finally
        {
            await server.ExecuteAsync("CLIENT", "UNPAUSE");
        }
        await query.DisposeAsync();
        Assert.Single(await EntriesAsync(tag));
        Assert.Empty(refusals);
    }

    [Fact]
    public async Task Every_call_throws_when_cancelled_grep_included()
    {
        await using var query = new FleetQuery([ServerAddress.Parse(Url)]) { AuditPolicy = AuditPolicy.Off };
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var request = new GrepRequest("motd", "hello");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => query.GrepUniqAsync(request, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => query.SearchAsync("motd", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => query.KeyValuesAsync(new KeyValueRequest("motd"), cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => query.Md5Groups.GroupAsync("motd", cancelled.Token));
    }
}

/// <summary>
/// The embedded Garnet server has no streams: the product says once that auditing is off there,
/// and <c>audit</c> says so in one line (exit 2) instead of failing or answering nothing.
/// </summary>
public sealed class GarnetAuditTests(GarnetServerFixture garnet) : IClassFixture<GarnetServerFixture>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(garnet.Address);
        await QueryFleet.PutAsync(mux.GetDatabase(), "g1.example.org", "motd", "hello\n"u8.ToArray());
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_library_query_is_told_once_per_process_that_auditing_is_not_available()
    {
        var refusals = new List<AuditRefusal>();
        var policy = AuditPolicy.On with { Refused = refusals.Add };
        for (var i = 0; i < 2; i++)
        {
            await using var query = new FleetQuery([ServerAddress.Parse(garnet.Address)]) { AuditPolicy = policy };
            await query.GrepUniqAsync(new GrepRequest("motd", "hello"));
            await query.SearchAsync("motd");
        }
        var refusal = Assert.Single(refusals);
        Assert.True(refusal.Unavailable);
        Assert.StartsWith($"auditing is not available on {garnet.Address}", refusal.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cli_says_it_once_and_audit_exits_2_with_one_line()
    {
        var (exit, _, stderr) = await CliProcessTests.Run("grep", "motd", "hello", "--server", garnet.Address);
        Assert.True(exit == 0, stderr);
        Assert.DoesNotContain("was not recorded", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n'), l => l.Contains("auditing is not available", StringComparison.Ordinal));

        (exit, var stdout, stderr) = await CliProcessTests.Run("audit", "--server", garnet.Address);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Matches(@"^sysops-fast: auditing is not available on [^\n]+\n$", stderr);
    }
}
