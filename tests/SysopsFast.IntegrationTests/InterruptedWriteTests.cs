using System.Diagnostics;
using StackExchange.Redis;
using SysopsFast.Format;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// Writers stopped half-way, or refused by a full server: every key holds the old record or the new
/// one (a SET replaces a value whole), the catalog lists no key as live that has no record (each
/// catalog entry is sent after its SET on the same connection), and the refusal is one clear line.
/// </summary>
public sealed class InterruptedWriteTests : IAsyncLifetime
{
    private const int Hosts = 400;
    private readonly string _work = Directory.CreateTempSubdirectory("sysops-fast-kill-").FullName;
    private RedisProcess? _redis;

    public async Task InitializeAsync() => _redis = await RedisProcess.StartAsync();

    public async Task DisposeAsync()
    {
        await _redis!.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    private string Tree(string name, string version)
    {
        var root = Path.Combine(_work, name);
        for (var h = 0; h < Hosts; h++)
        {
            var dir = Directory.CreateDirectory(Path.Combine(root, $"h{h:D4}.example.org", "etc")).FullName;
            for (var f = 0; f < 5; f++)
            {
                // Large enough that an import takes a while to kill in the middle of.
                File.WriteAllText(Path.Combine(dir, $"file{f}"), string.Concat(Enumerable.Repeat($"{version} line of h{h} file{f}\n", 400)));
            }
        }
        return root;
    }

    [Fact]
    public async Task An_import_killed_half_way_leaves_old_or_new_records_and_no_catalog_entry_without_one()
    {
        var url = $"redis://{_redis!.Address}/0";
        var (exit, _, stderr) = await CliProcessTests.Run("import", Tree("v1", "v1"), "--server", url, "--codec", "lz4");
        Assert.True(exit == 0, stderr);
        var v2 = Tree("v2", "v2");
        // An extra host only v2 has: listed in the catalog only once its record is there.
        Directory.CreateDirectory(Path.Combine(v2, "new.example.org", "etc"));
        await File.WriteAllTextAsync(Path.Combine(v2, "new.example.org", "etc", "file0"), "v2 new\n");

        var cli = Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll");
        using var import = Process.Start(new ProcessStartInfo("dotnet") { ArgumentList = { cli, "import", v2, "--server", url, "--codec", "lz4" }, RedirectStandardError = true, RedirectStandardOutput = true })!;
        await using var mux = await ConnectionMultiplexer.ConnectAsync(_redis.Address);
        var db = mux.GetDatabase(0);
        // Kill once the first new records are in, before the last: SIGKILL, no goodbye.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !import.HasExited && !((string?)await db.StringGetRangeAsync("h0000.example.org#/etc/file0", 0, 0) is not null && await NewRecordsAsync(db) > 0))
        {
            await Task.Delay(5);
        }
        Assert.False(import.HasExited, "the import ended before it could be killed half-way");
        import.Kill();
        await import.WaitForExitAsync();

        using var decoder = new RecordDecoder();
        var versions = new Dictionary<string, int>();
        // Record keys only: the import keeps each replaced version in a history list (#history:…), a housekeeping key.
        foreach (var key in mux.GetServer(_redis.Address).Keys(0, "[^#]*#/etc/*", pageSize: 1000))
        {
            var value = (byte[])(await db.StringGetAsync(key))!;
            Assert.True(decoder.TryDecode(value, out _, out var content, out var error), $"{key}: {error}");
            var text = System.Text.Encoding.UTF8.GetString(content);
            Assert.True(text.StartsWith("v1 line", StringComparison.Ordinal) || text.StartsWith("v2 ", StringComparison.Ordinal), $"{key}: neither record");
            var version = text[..2];
            versions[version] = versions.GetValueOrDefault(version) + 1;
        }
        var newHost = await db.KeyExistsAsync("new.example.org#/etc/file0") ? 1 : 0;
        Assert.Equal(Hosts * 5, versions.GetValueOrDefault("v1") + versions.GetValueOrDefault("v2") - newHost);
        Assert.True(versions.GetValueOrDefault("v1") > 0 && versions.GetValueOrDefault("v2") > 0, $"not half-way: {string.Join(", ", versions)}");

        // Every host the catalog lists for an object has its record.
        foreach (var entry in await db.SortedSetRangeByScoreAsync("#catalog:object:/etc/file0"))
        {
            Assert.True(await db.KeyExistsAsync($"{entry}#/etc/file0"), $"the catalog lists {entry} but its record is not there");
        }

        // And a query over the half-written fleet answers without an error.
        (exit, var stdout, stderr) = await CliProcessTests.Run("grep", "/etc/file0", "line of", "-c", "--server", url);
        Assert.True(exit == 0, stderr);
        Assert.Equal(Hosts + newHost, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private static async Task<long> NewRecordsAsync(IDatabase db) =>
        (await db.SortedSetLengthAsync("#catalog:object:/etc/file0")) > Hosts ? 1 : await CountV2Async(db);

    private static async Task<long> CountV2Async(IDatabase db)
    {
        using var decoder = new RecordDecoder();
        var value = (byte[]?)await db.StringGetAsync("h0000.example.org#/etc/file0");
        return value is not null && decoder.TryDecode(value, out _, out var content, out _) && content.StartsWith("v2"u8) ? 1 : 0;
    }

    [Fact]
    public async Task A_full_server_refuses_a_push_in_one_line_and_keeps_the_old_records()
    {
        var url = $"redis://{_redis!.Address}/1";
        var dir = Directory.CreateDirectory(Path.Combine(_work, "out")).FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "uname-a"), "Linux old\n");
        var ledger = Path.Combine(_work, "ledger.json");
        var (exit, stdout, stderr) = await CliProcessTests.Run("push", "--dir", dir, "--hostname", "full.example.org", "--ledger", ledger, "--server", url);
        Assert.True(exit == 0, stdout + stderr);

        await using var mux = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { _redis.Address }, AllowAdmin = true });
        var server = mux.GetServer(_redis.Address);
        var used = long.Parse(server.Info("memory").SelectMany(g => g).First(p => p.Key == "used_memory").Value, System.Globalization.CultureInfo.InvariantCulture);
        await server.ConfigSetAsync("maxmemory", (used / 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await server.ConfigSetAsync("maxmemory-policy", "noeviction");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "uname-a"), "Linux new\n");
            (exit, stdout, stderr) = await CliProcessTests.Run("push", "--dir", dir, "--hostname", "full.example.org", "--ledger", ledger, "--server", url);
            Assert.Equal(2, exit);
            var line = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("FAILED", line, StringComparison.Ordinal);
            Assert.Contains("OOM", line, StringComparison.Ordinal);
        }
        finally
        {
            await server.ConfigSetAsync("maxmemory", "0");
        }
        using var decoder = new RecordDecoder();
        Assert.True(decoder.TryDecode((byte[])(await mux.GetDatabase(1).StringGetAsync("full.example.org#cmd/uname-a"))!, out _, out var content, out _));
        Assert.Equal("Linux old\n", System.Text.Encoding.UTF8.GetString(content));

        // Room again: the next push sends the new contents (the failed push left the ledger as it was).
        (exit, stdout, stderr) = await CliProcessTests.Run("push", "--dir", dir, "--hostname", "full.example.org", "--ledger", ledger, "--server", url);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("1 written", stdout, StringComparison.Ordinal);
    }
}
