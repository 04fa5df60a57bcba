using System.Text.Json;
using StackExchange.Redis;
using SysopsFast.Query;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary><c>history --diff</c> on a real redis-server: each version's unified diff against the next newer one.</summary>
public sealed class HistoryDiffTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const string Key = "h1.example.org#/etc/three";

    private string Url => $"redis://{redis.Address}/6";

    private async Task PutAsync()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        await HistoryFleet.PutAsync(mux.GetDatabase(6), Key, HistoryFleet.Three);
    }

    [Fact]
    public async Task Each_version_is_followed_by_its_diff_against_the_next_newer_one()
    {
        await PutAsync();
        var (exit, stdout, stderr) = await CliProcessTests.Run("history", Key, "--diff", "--server", Url);
        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n');
        Assert.Equal(Key, lines[0]);
        Assert.EndsWith("current", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("+1 -0", lines[2], StringComparison.Ordinal);
        // Version 1's diff is the one compare --previous prints, labelled the same way.
        Assert.Equal($"--- {Key}@1\n+++ {Key}\n@@ -2,3 +2,4 @@\n B\n c\n d\n+e\n", string.Join('\n', lines[3..10]) + "\n");
        Assert.EndsWith("+2 -1", lines[10], StringComparison.Ordinal);
        Assert.Equal($"--- {Key}@2\n+++ {Key}@1\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n", string.Join('\n', lines[11..]));
    }

    [Fact]
    public async Task Json_carries_each_diff_only_when_asked_for()
    {
        await PutAsync();
        var (exit, stdout, stderr) = await CliProcessTests.Run("history", Key, "--json", "--diff", "--server", Url);
        Assert.True(exit == 0, stderr);
        var versions = QueryFleet.JsonLines(stdout);
        Assert.Equal(JsonValueKind.Null, versions[0].GetProperty("diff").ValueKind);
        Assert.Equal($"--- {Key}@1\n+++ {Key}\n@@ -2,3 +2,4 @@\n B\n c\n d\n+e\n", versions[1].GetProperty("diff").GetString());
        Assert.StartsWith($"--- {Key}@2\n+++ {Key}@1\n", versions[2].GetProperty("diff").GetString(), StringComparison.Ordinal);

        // Without --diff, history's answer is as it was: no diff field, and the library holds none.
        (exit, stdout, stderr) = await CliProcessTests.Run("history", Key, "--json", "--server", Url);
        Assert.True(exit == 0, stderr);
        Assert.All(QueryFleet.JsonLines(stdout), v => Assert.False(v.TryGetProperty("diff", out _)));
        await using var query = new FleetQuery(Url);
        var seen = new List<ObjectHistory>();
        await query.History.ReadAsync(Key, seen.Add);
        Assert.All(seen[0].Versions, v => Assert.Null(v.Diff));
    }
}
