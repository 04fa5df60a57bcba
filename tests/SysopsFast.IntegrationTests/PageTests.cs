using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// The page of `sysops-fast serve` in a real browser (Debian's chromium) against the real server
/// and a real redis-server: each answer on the page is checked against the CLI's own answer.
/// </summary>
public sealed partial class PageTests(PageFixture fleet) : IClassFixture<PageFixture>
{
    private const string Headline = "grep sysctl-a net.core.netdev_budget --uniq";

    [Fact]
    public async Task The_headline_typed_and_entered_shows_the_CLIs_counts_as_bars()
    {
        var cli = await Cli(Headline.Split(' '));
        var expected = cli.TrimEnd('\n').Split('\n').Select(l => UniqRow().Match(l)).Select(m => (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value)).ToList();
        var page = await NewPageAsync();
        await page.GotoAsync(fleet.BaseUrl.ToString());
        await page.Locator("#q").FillAsync(Headline);
        await page.Locator("#q").PressAsync("Enter");
        await Done(page);

        Assert.EndsWith("/?q=grep+sysctl-a+net.core.netdev_budget+--uniq", page.Url, StringComparison.Ordinal);
        var counts = await page.Locator(".bar .count").AllTextContentsAsync();
        var lines = await page.Locator(".bar .label").AllTextContentsAsync();
        Assert.Equal(expected, counts.Select(c => long.Parse(c, NumberStyles.AllowThousands, CultureInfo.InvariantCulture)).Zip(lines).ToList());
        // Of the records searched, as the CLI's terminal bars: one sysctl-a record per host.
        var first = expected[0].Item1;
        Assert.Equal((100.0 * first / 300).ToString("F1", CultureInfo.InvariantCulture) + "%", await page.Locator(".bar .pct").First.TextContentAsync());

        // Each answer is a history entry: another query, then Back, shows the headline again.
        await page.Locator("#q").FillAsync("kv page-test.conf vm.swappiness");
        await page.Locator("#q").PressAsync("Enter");
        await Expect(page.Locator(".bar .label").First).ToHaveTextAsync("10");
        await page.GoBackAsync();
        await Expect(page.Locator(".bar .label").First).ToHaveTextAsync(expected[0].Item2);
        await Expect(page.Locator("#q")).ToHaveValueAsync(Headline);
    }

    [Fact]
    public async Task A_bar_pressed_with_the_keyboard_lists_exactly_the_hosts_of_its_line()
    {
        var cli = await Cli(Headline.Split(' '));
        var line = UniqRow().Match(cli.TrimEnd('\n').Split('\n')[^1]).Groups[2].Value;
        // Another road to the same hosts: grep -l for that exact line.
        var expected = (await Cli("grep", "sysctl-a", "-F", "-x", "-l", "-e", line)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
        var page = await NewPageAsync();
        await Open(page, Headline);

        var bar = Bar(page, line);
        await bar.FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        Assert.Equal(expected, await HostsListed(page));
        await Expect(bar).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(page.Locator("#hosts-title")).ToBeFocusedAsync();

        // Escape closes the list and gives the focus back to the bar.
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("#hosts")).ToBeHiddenAsync();
        await Expect(bar).ToBeFocusedAsync();
    }

    [Fact]
    public async Task A_kv_bar_lists_the_hosts_of_its_value_with_its_share_of_the_key()
    {
        var page = await NewPageAsync();
        await Open(page, "kv page-test.conf vm.swappiness");

        Assert.Equal(["3", "1"], await page.Locator(".bar .count").AllTextContentsAsync());
        Assert.Equal(["75.0%", "25.0%"], await page.Locator(".bar .pct").AllTextContentsAsync());
        await Bar(page, "60").ClickAsync();
        Assert.Equal(["web3.example.org"], await HostsListed(page));
        await Bar(page, "10").ClickAsync();
        Assert.Equal([PageFixture.HostileHost, "web1.example.org", "web2.example.org"], await HostsListed(page));
    }

    [Fact]
    public async Task Compare_all_shows_each_group_with_the_CLIs_diff_coloured_by_line()
    {
        var groups = (await Cli("compare-all", "page-test.conf", "--json")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var page = await NewPageAsync();
        await Open(page, "compare-all page-test.conf");

        var shown = page.Locator("#answer .group");
        await Expect(shown).ToHaveCountAsync(groups.Count);
        await Expect(shown.First).ToHaveClassAsync(new Regex("majority"));
        for (var i = 1; i < groups.Count; i++)
        {
            Assert.Equal(groups[i].GetProperty("diff").GetString(), await shown.Nth(i).Locator("pre.diff").TextContentAsync());
        }
        var web3 = shown.Filter(new() { HasText = "web3.example.org#" });
        Assert.Equal(["+vm.swappiness = 60\n", "+kernel.pid_max = 65536\n"], await web3.Locator("pre.diff .add").AllTextContentsAsync());
        Assert.Equal(["-vm.swappiness = 10\n"], await web3.Locator("pre.diff .del").AllTextContentsAsync());
        var added = await web3.Locator("pre.diff .add").First.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");
        var removed = await web3.Locator("pre.diff .del").First.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");
        Assert.NotEqual(added, removed);
        Assert.NotEqual("rgba(0, 0, 0, 0)", added);
    }

    [Fact]
    public async Task A_bad_regex_shows_the_CLIs_one_line_error()
    {
        var (exit, _, stderr) = await CliProcessTests.Run("grep", "sysctl-a", "(", "-E", "--server", fleet.ServerUrl);
        Assert.Equal(2, exit);
        var page = await NewPageAsync();
        await Open(page, "grep sysctl-a '(' -E");

        await Expect(page.Locator("#error")).ToHaveTextAsync(stderr.TrimEnd('\n'));
        await Expect(page.Locator("#error")).ToHaveAttributeAsync("role", "alert");
        await Expect(page.Locator("#answer > *")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_link_with_q_renders_its_answer_as_a_table_sorted_by_a_header()
    {
        var md5s = (await Cli("search", "page-test.conf", "--md5sum")).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        var page = await NewPageAsync();
        await page.GotoAsync(fleet.BaseUrl + "?q=" + Uri.EscapeDataString("search page-test.conf --md5sum"));
        await Done(page);

        await Expect(page.Locator("#q")).ToHaveValueAsync("search page-test.conf --md5sum");
        var md5Column = await Column(page, "md5");
        Assert.Equal(md5s, await page.Locator($"table.records tbody tr td:nth-child({md5Column})").AllTextContentsAsync());
        var header = page.Locator("table.records th").Nth(md5Column - 1);
        await header.Locator("button").ClickAsync();
        await Expect(header).ToHaveAttributeAsync("aria-sort", "ascending");
        Assert.Equal(md5s.Order(StringComparer.Ordinal), await page.Locator($"table.records tbody tr td:nth-child({md5Column})").AllTextContentsAsync());
        await header.Locator("button").ClickAsync();
        await Expect(header).ToHaveAttributeAsync("aria-sort", "descending");
        Assert.Equal(md5s.OrderDescending(StringComparer.Ordinal), await page.Locator($"table.records tbody tr td:nth-child({md5Column})").AllTextContentsAsync());
    }

    /// <summary>
    /// A host name and a line that are HTML with script in it show as text and run nothing, in every
    /// view that shows names or lines; the page's Content-Security-Policy is switched off here, so
    /// what is proven is the page's escaping, not the policy's backstop.
    /// </summary>
    [Theory]
    [InlineData("kv page-test.conf")]
    [InlineData("compare-all page-test.conf")]
    [InlineData("search page-test.conf")]
    [InlineData("grep page-test.conf onerror")]
    [InlineData("grep page-test.conf onerror --uniq")]
    [InlineData("history page-history.conf")]
    [InlineData("search page-history.conf")]
    public async Task Hostile_names_and_lines_show_as_text_and_run_nothing(string query)
    {
        var dialogs = new List<string>();
        var page = await NewPageAsync(bypassPolicy: true);
        page.Dialog += (_, d) =>
        {
            dialogs.Add(d.Message);
            _ = d.DismissAsync();
        };
        await Open(page, query);
        if (await page.Locator(".bar").CountAsync() > 0)
        {
            await page.Locator(".bar").First.ClickAsync();
            await HostsListed(page);
        }
        var hostileVersion = page.Locator(".timeline").Filter(new() { HasText = PageFixture.HostileHost }).Locator(".version[data-version='1']");
        if (await hostileVersion.CountAsync() > 0)
        {
            await hostileVersion.ClickAsync();
            await Expect(page.Locator(".version-diff pre.diff .add")).ToContainTextAsync("onerror=window.pwned=2");
        }
        var hostileHistory = page.Locator("a.history-link[aria-label^='History of <img']");
        if (await hostileHistory.CountAsync() > 0)
        {
            await hostileHistory.ClickAsync();
            await Expect(page.Locator(".timeline-key").First).ToHaveTextAsync(new Regex("^" + Regex.Escape(PageFixture.HostileHost + "#")));
        }
        // Room for an image's error event to fire had an <img> been made.
        await page.WaitForTimeoutAsync(300);

        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.pwned"));
        Assert.Empty(dialogs);
        Assert.Equal(0, await page.Locator("main img, main script").CountAsync());
        Assert.Contains("onerror=window.pwned=", await page.Locator("main").TextContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_option_controls_edit_the_query_line_and_follow_it()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(fleet.BaseUrl.ToString());
        var line = page.Locator("#q");
        await line.FillAsync("grep sysctl-a 'net.core netdev'");

        await page.Locator("#opt-uniq").FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await Expect(line).ToHaveValueAsync("grep sysctl-a 'net.core netdev' --uniq");
        await page.Locator("#opt-hosts").SelectOptionAsync("5");
        await Expect(line).ToHaveValueAsync("grep sysctl-a 'net.core netdev' --uniq --show-hosts 5");
        await page.Locator("#opt-uniq").UncheckAsync();
        await Expect(line).ToHaveValueAsync("grep sysctl-a 'net.core netdev' --show-hosts 5");

        await line.FillAsync("grep -i sysctl-a x -- --uniq");
        await Expect(page.Locator("#opt-icase")).ToBeCheckedAsync();
        await Expect(page.Locator("#opt-uniq")).Not.ToBeCheckedAsync();
    }

    /// <summary>At a desktop's and a phone's width nothing sticks out sideways: the page never scrolls horizontally.</summary>
    [Theory]
    [InlineData(1280)]
    [InlineData(390)]
    public async Task The_bars_fit_the_width_of_a_desktop_and_of_a_phone(int width)
    {
        var page = await NewPageAsync(width);
        await Open(page, Headline);

        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
        var box = await page.Locator(".bar").First.BoundingBoxAsync();
        Assert.True(box!.X >= 0 && box.X + box.Width <= width, $"{box.X}+{box.Width} > {width}");
    }

    private async Task<IPage> NewPageAsync(int width = 1280, bool bypassPolicy = false)
    {
        var context = await fleet.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
            BypassCSP = bypassPolicy,
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        return page;
    }

    private async Task Open(IPage page, string query)
    {
        await page.GotoAsync(fleet.BaseUrl + "?q=" + Uri.EscapeDataString(query));
        await Done(page);
    }

    /// <summary>Waits until the query has ended (its exit code shown) or failed.</summary>
    private static Task Done(IPage page) =>
        Expect(page.Locator("#status")).ToHaveTextAsync(new Regex(@"exit \d+|failed"));

    private static ILocator Bar(IPage page, string label) =>
        page.Locator(".bar").Filter(new() { Has = page.Locator(".label", new() { HasTextRegex = new Regex("^" + Regex.Escape(label) + "$") }) });

    /// <summary>The host list a bar opened, once its query has answered.</summary>
    private static async Task<IReadOnlyList<string>> HostsListed(IPage page)
    {
        await Expect(page.Locator("#hosts-status")).ToHaveTextAsync(new Regex(@"^[\d,]+ hosts?$"));
        return await page.Locator("#hosts-list li").AllTextContentsAsync();
    }

    private static async Task<int> Column(IPage page, string name)
    {
        var names = await page.Locator("table.records th").AllTextContentsAsync();
        return names.ToList().IndexOf(name) + 1;
    }

    private async Task<string> Cli(params string[] args)
    {
        var (exit, stdout, stderr) = await CliProcessTests.Run([.. args, "--server", fleet.ServerUrl]);
        Assert.True(exit == 0, stderr);
        return stdout;
    }

    [GeneratedRegex(@"^\s*(\d+) (.*)$")]
    private static partial Regex UniqRow();
}
