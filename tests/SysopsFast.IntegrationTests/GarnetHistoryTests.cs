using System.Globalization;
using System.Text;
using StackExchange.Redis;
using SysopsFast.Format;
using SysopsFast.Push;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// History against the embedded Garnet server (src/SysopsFast.Server): push's transaction (WATCH,
/// MULTI/EXEC, LPUSH, LTRIM, PEXPIRE) and the readers' LRANGE work there as on redis-server.
/// </summary>
public sealed class GarnetHistoryTests(GarnetServerFixture garnet) : IClassFixture<GarnetServerFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sysops-fast-garnet-history-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Pushes_to_garnet_keep_each_version_rebuilt_exactly_with_the_records_expiry()
    {
        var server = ServerAddress.Parse($"redis://{garnet.Address}/0");
        var host = $"g{Guid.NewGuid():N}"[..12];
        var texts = Enumerable.Range(0, 4).Select(Settings).ToList();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var (text, i) in texts.Select((t, i) => (t, i)))
        {
            var outcome = await HistoryWriteTests.PushAsync(server, host, [new PushObject("cmd/conf", Encoding.ASCII.GetBytes(text), FileStat.None, now + i)], new HistoryRetention(3, TimeSpan.FromDays(14)));
            Assert.Null(outcome.Note);
        }
        await using var connection = await ConnectionMultiplexer.ConnectAsync(garnet.Address);
        var db = connection.GetDatabase();
        var versions = await HistoryWriteTests.VersionsAsync(db, $"{host}#cmd/conf");
        Assert.Equal([texts[3], texts[2], texts[1]], versions.Select(v => Encoding.ASCII.GetString(v.Contents.Span)));
        Assert.All(versions, v => Assert.Null(v.Error));
        var history = HistoryKey.Of($"{host}#cmd/conf");
        // A version differing in one line is stored relative to the next one: Garnet keeps the bytes as given.
        Assert.All(await db.ListRangeAsync(history), e => Assert.Equal(RecordFlags.Relative, (RecordFlags)BitConverter.ToUInt16(((byte[])e!).AsSpan(6)) & RecordFlags.Relative));
        var ttl = await db.KeyTimeToLiveAsync(history);
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
    }

    /// <summary>Garnet's WATCH must abort a transaction whose key another writer changed, or a version is lost.</summary>
    [Fact]
    public async Task Two_pushers_racing_on_a_garnet_key_lose_no_version_and_keep_none_twice()
    {
        var server = ServerAddress.Parse($"redis://{garnet.Address}/0");
        var host = $"r{Guid.NewGuid():N}"[..12];
        const int Rounds = 20;
        var retention = new HistoryRetention(HistoryRetention.MaxVersions, TimeSpan.FromDays(14));
        var written = new System.Collections.Concurrent.ConcurrentBag<string>();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        async Task Pusher(int who)
        {
            for (var r = 0; r < Rounds; r++)
            {
                var text = $"writer {who} round {r}\n" + Settings(r);
                var outcome = await HistoryWriteTests.PushAsync(server, host, [new PushObject("cmd/conf", Encoding.ASCII.GetBytes(text), FileStat.None, now + (r * 2) + who)], retention, expectSuccess: false);
                if (outcome.Written == 1)
                {
                    written.Add(text);
                }
            }
        }
        await Task.WhenAll(Pusher(0), Pusher(1));
        await using var connection = await ConnectionMultiplexer.ConnectAsync(garnet.Address);
        var versions = await HistoryWriteTests.VersionsAsync(connection.GetDatabase(), $"{host}#cmd/conf");
        Assert.All(versions, v => Assert.Null(v.Error));
        var kept = versions.Select(v => Encoding.ASCII.GetString(v.Contents.Span)).ToList();
        Assert.Equal(kept.Count, kept.Distinct().Count());
        Assert.Equal(written.Order(), kept.Order());
        Assert.True(written.Count > Rounds, $"only {written.Count} writes of {2 * Rounds} succeeded");
    }

    [Fact]
    public async Task The_cli_pushes_twice_then_history_and_as_of_answer_from_garnet()
    {
        var host = $"g{Guid.NewGuid():N}"[..12] + ".example.org";
        var url = $"redis://{garnet.Address}/0";
        var outgoing = Directory.CreateDirectory(Path.Combine(_dir, "out")).FullName;
        var ledger = Path.Combine(_dir, "ledger");
        await File.WriteAllTextAsync(Path.Combine(outgoing, "garnet-conf"), Settings(1));
        var (exit, stdout, stderr) = await CliProcessTests.Run("push", "--dir", outgoing, "--hostname", host, "--ledger", ledger, "--server", url);
        Assert.True(exit == 0, stdout + stderr);
        // --as-of takes whole seconds: the second version is stored after a second that follows the first.
        var between = await AfterNextWholeSecondAsync();
        await File.WriteAllTextAsync(Path.Combine(outgoing, "garnet-conf"), Settings(2));
        (exit, stdout, stderr) = await CliProcessTests.Run("push", "--dir", outgoing, "--hostname", host, "--ledger", ledger, "--server", url);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("1 written", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("no history", stdout + stderr, StringComparison.Ordinal);

        var key = $"{host}#cmd/garnet-conf";
        (exit, stdout, stderr) = await CliProcessTests.Run("history", key, "--json", "--server", url);
        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(Md5(Settings(2)), lines[0], StringComparison.Ordinal);
        Assert.Contains(Md5(Settings(1)), lines[1], StringComparison.Ordinal);

        var asOf = between.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        (exit, stdout, stderr) = await CliProcessTests.Run("search", key, "--contents", "--as-of", asOf, "--server", url);
        Assert.True(exit == 0, stderr);
        Assert.Equal(Settings(1), stdout);
        (exit, stdout, stderr) = await CliProcessTests.Run("search", key, "--contents", "--server", url);
        Assert.True(exit == 0, stderr);
        Assert.Equal(Settings(2), stdout);
    }

    /// <summary>Waits until a whole second has begun and ended; returns that second (stored before it ends, stored after it starts: on either side).</summary>
    private static async Task<DateTimeOffset> AfterNextWholeSecondAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var second = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddSeconds(1);
        await Task.Delay(second.AddSeconds(1) - now + TimeSpan.FromMilliseconds(50));
        return second;
    }

    private static string Md5(string text) => QueryFleet.Md5Hex(Encoding.ASCII.GetBytes(text));

    private static string Settings(int n) => string.Concat(Enumerable.Range(0, 30).Select(i => $"setting.{i} = {(i == n ? n * 1000 : i)}\n"));
}
