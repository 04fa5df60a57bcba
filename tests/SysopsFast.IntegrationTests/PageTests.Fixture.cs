using System.Text;
using Microsoft.Playwright;
using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// What the page's tests share: a real redis-server holding a synthetic fleet (the headline) and a
/// small hand-written object (kv, compare-all, hostile names), the real `sysops-fast serve` in front
/// of it, and Debian's chromium driven by Playwright (never a downloaded browser).
/// </summary>
public sealed class PageFixture : IAsyncLifetime
{
    /// <summary>The hand-written object: two hosts agree, one drifts, one is hostile.</summary>
    public const string Conf = "/etc/page-test.conf";

    /// <summary>A host name and a line that would run script if the page put them in as markup.</summary>
    public const string HostileHost = "<img src=x onerror=window.pwned=1>";

    public const string HostileLine = "<img src=x onerror=window.pwned=2> = <script>window.pwned=3</script>";

    public static readonly (string Host, string Contents)[] ConfHosts =
    [
        ("web1.example.org", "vm.swappiness = 10\nnet.core.somaxconn = 4096\n"),
        ("web2.example.org", "vm.swappiness = 10\nnet.core.somaxconn = 4096\n"),
        ("web3.example.org", "vm.swappiness = 60\nnet.core.somaxconn = 4096\nkernel.pid_max = 65536\n"),
        (HostileHost, HostileLine + "\nvm.swappiness = 10\nnet.core.somaxconn = 4096\n"),
    ];

    /// <summary>The object with histories: a revert (web1), hostile contents (the hostile host), a damaged version (web3).</summary>
    public const string HistoryObject = "/etc/page-history.conf";

    public const string Web1History = "web1.example.org#" + HistoryObject;

    public const string Web3History = "web3.example.org#" + HistoryObject;

    public const long Day = 86_400_000;

    /// <summary>web1's versions, oldest first: A, B, A again (the same md5), then C, the current one.</summary>
    public static readonly (byte[] Content, long InsertedMs)[] Web1Versions =
    [
        ("vm.swappiness = 10\nnet.core.somaxconn = 4096\n"u8.ToArray(), HistoryFleet.T0),
        ("vm.swappiness = 60\nnet.core.somaxconn = 4096\nfs.file-max = 100\n"u8.ToArray(), HistoryFleet.T0 + 3_600_000),
        ("vm.swappiness = 10\nnet.core.somaxconn = 4096\n"u8.ToArray(), HistoryFleet.T0 + Day),
        ("vm.swappiness = 10\nnet.core.somaxconn = 8192\nkernel.pid_max = 65536\n"u8.ToArray(), HistoryFleet.T0 + 2 * Day),
    ];

    private RedisProcess? _redis;
    private ServeProcess? _serve;
    private IPlaywright? _playwright;

    public string ServerUrl => $"redis://{_redis!.Address}/3";

    /// <summary>The page's address: serve's, ending in "/".</summary>
    public Uri BaseUrl => new(_serve!.Url, "/");

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisProcess.StartAsync();
        await FleetGenerator.GenerateAsync(new SyntheticFleet(300, 11), ServerAddress.Parse(ServerUrl), PayloadCodec.Lz4, null, plain: false, CancellationToken.None);
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(_redis.Address))
        {
            foreach (var (host, contents) in ConfHosts)
            {
                await QueryFleet.PutAsync(mux.GetDatabase(3), host, Conf, Encoding.UTF8.GetBytes(contents));
            }
            await PutHistoriesAsync(mux.GetDatabase(3));
        }
        _serve = await ServeProcess.StartAsync("--server", ServerUrl);
        // The browser is Debian's package; Playwright's own download is never used (test.sh installs chromium).
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        // Other test classes run beside these on 2 cores: a query may take seconds, not Playwright's default 5.
        Assertions.SetDefaultExpectTimeout(30_000);
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath(), Headless = true });
    }

    /// <summary>Histories written as push writes them; web3's newest entry then damaged, so version 1 is corrupt.</summary>
    private static async Task PutHistoriesAsync(IDatabase db)
    {
        await HistoryFleet.PutAsync(db, Web1History, Web1Versions);
        await HistoryFleet.PutAsync(db, HostileHost + "#" + HistoryObject,
        [
            (Encoding.UTF8.GetBytes("a = 1\n"), HistoryFleet.T0),
            (Encoding.UTF8.GetBytes("a = 1\n" + HostileLine + "\n"), HistoryFleet.T0 + Day),
        ]);
        await HistoryFleet.PutAsync(db, Web3History, HistoryFleet.Three, selfContained: i => i == 0);
        var entry = (byte[])(await db.ListGetByIndexAsync(HistoryKey.Of(Web3History), 0))!;
        entry[^1] ^= 0xff;
        await db.ListSetByIndexAsync(HistoryKey.Of(Web3History), 0, entry);
    }

    private static string ChromiumPath() =>
        File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium"
            : throw new InvalidOperationException("/usr/bin/chromium is missing; run ./test.sh, which installs Debian's chromium package");

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (_serve is not null)
        {
            await _serve.DisposeAsync();
        }
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
