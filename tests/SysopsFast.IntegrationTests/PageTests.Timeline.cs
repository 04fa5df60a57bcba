using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace SysopsFast.IntegrationTests;

/// <summary>history on the page: a timeline per key, a version's diff, and the links that open a key's history.</summary>
public sealed partial class PageTests
{
    private const string HistoryQuery = "history page-history.conf";

    [Fact]
    public async Task History_is_drawn_as_a_timeline_per_key_with_each_versions_time_md5_size_and_change()
    {
        // Exit 2: web3's damaged version is a corrupt record.
        var (exit, stdout, stderr) = await CliProcessTests.Run("history", "page-history.conf", "--json", "--server", fleet.ServerUrl);
        Assert.True(exit == 2, stderr);
        var cli = QueryFleet.JsonLines(stdout);
        var page = await NewPageAsync();
        await Open(page, HistoryQuery);

        var keys = cli.Select(v => v.GetProperty("key").GetString()!).Distinct().ToList();
        Assert.Equal(keys, await page.Locator(".timeline-key").AllTextContentsAsync());
        var web1 = Timeline(page, PageFixture.Web1History);
        var expected = cli.Where(v => v.GetProperty("key").GetString() == PageFixture.Web1History).ToList();
        Assert.Equal(expected.Select(v => v.GetProperty("md5").GetString()![..8]), await web1.Locator(".version .v-md5").AllTextContentsAsync());
        Assert.Equal(expected.Select(v => v.GetProperty("size").GetInt64().ToString(CultureInfo.InvariantCulture) + " B"), await web1.Locator(".version .v-size").AllTextContentsAsync());
        Assert.Equal(["current", .. expected.Skip(1).Select(v => $"+{v.GetProperty("added")} −{v.GetProperty("removed")}")], await web1.Locator(".version .v-change").AllTextContentsAsync());
        Assert.Equal(["2026-12-03 10:00:00Z", "2026-12-02 10:00:00Z", "2026-12-01 11:00:00Z", "2026-12-01 10:00:00Z"], await web1.Locator(".version .v-time").AllTextContentsAsync());

        // Newest first: C, A, B, A. Versions 1 and 3 have the same contents: the same tag and colour.
        var tags = await web1.Locator(".version .tag").AllTextContentsAsync();
        Assert.Equal(tags[1], tags[3]);
        Assert.Equal(3, tags.Distinct().Count());
        var colours = await web1.Locator(".version .tag").EvaluateAllAsync<string[]>("es => es.map(e => getComputedStyle(e).backgroundColor)");
        Assert.Equal(colours[1], colours[3]);
        Assert.NotEqual(colours[0], colours[1]);
        Assert.NotEqual(colours[1], colours[2]);

        // Each marker sits by its time on the axis: the newest at the right end, the oldest at the left.
        var times = expected.Select(v => DateTimeOffset.Parse(v.GetProperty("inserted").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds()).ToList();
        var places = (await web1.Locator(".axis .dot").EvaluateAllAsync<string[]>("es => es.map(e => e.style.left)")).Select(l => double.Parse(l.TrimEnd('%'), CultureInfo.InvariantCulture));
        Assert.Equal(times.Select(t => 100.0 * (t - times.Min()) / (times.Max() - times.Min())), places, (a, b) => Math.Abs(a - b) < 0.01);
        Assert.StartsWith($"Version 1 of {PageFixture.Web1History}, stored 2026-12-02 10:00:00Z, md5 ", await web1.Locator(".version").Nth(1).GetAttributeAsync("aria-label"), StringComparison.Ordinal);

        // A damaged version says why, in its row and on its marker.
        var reason = cli.Single(v => v.GetProperty("key").GetString() == PageFixture.Web3History && v.GetProperty("version").GetInt32() == 1).GetProperty("error").GetString();
        var web3 = Timeline(page, PageFixture.Web3History);
        await Expect(web3.Locator(".version.corrupt").First.Locator(".v-change")).ToHaveTextAsync("corrupt: " + reason);
        await Expect(web3.Locator(".dot.corrupt").First).ToHaveTextAsync("!");
    }

    [Fact]
    public async Task A_version_chosen_with_the_keyboard_shows_its_diff_against_the_next_newer_one()
    {
        var (exit, stdout, stderr) = await CliProcessTests.Run("history", PageFixture.Web1History, "--json", "--diff", "--server", fleet.ServerUrl);
        Assert.True(exit == 0, stderr);
        var diffs = QueryFleet.JsonLines(stdout).Select(v => v.GetProperty("diff")).ToList();
        var page = await NewPageAsync();
        await Open(page, HistoryQuery);
        var web1 = Timeline(page, PageFixture.Web1History);

        var version2 = web1.Locator(".version[data-version='2']");
        await version2.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(web1.Locator(".version-diff h3")).ToBeFocusedAsync();
        await Expect(web1.Locator(".version-diff pre.diff")).ToHaveTextAsync(diffs[2].GetString()!);
        Assert.Equal(["+vm.swappiness = 10\n"], await web1.Locator("pre.diff .add").AllTextContentsAsync());
        Assert.Equal(["-vm.swappiness = 60\n", "-fs.file-max = 100\n"], await web1.Locator("pre.diff .del").AllTextContentsAsync());
        await Expect(version2).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(web1.Locator(".dot.selected")).ToHaveAttributeAsync("data-version", "2");

        // Escape gives the focus back to the version; another version replaces the diff.
        await page.Keyboard.PressAsync("Escape");
        await Expect(version2).ToBeFocusedAsync();
        await web1.Locator(".version[data-version='1']").ClickAsync();
        await Expect(web1.Locator(".version-diff pre.diff")).ToHaveTextAsync(diffs[1].GetString()!);
        await Expect(version2).ToHaveAttributeAsync("aria-pressed", "false");

        // The current version has nothing newer; a damaged one says why instead of a diff.
        await web1.Locator(".version[data-version='0']").ClickAsync();
        await Expect(web1.Locator(".version-diff [role=status]")).ToContainTextAsync("Nothing newer");
        var web3 = Timeline(page, PageFixture.Web3History);
        await web3.Locator(".version[data-version='1']").ClickAsync();
        await Expect(web3.Locator(".version-diff [role=status]")).ToContainTextAsync("cannot be rebuilt");
        await Expect(web3.Locator(".version-diff pre")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_search_row_and_a_compare_all_group_open_their_keys_history()
    {
        var page = await NewPageAsync();
        await Open(page, "compare-all page-history.conf");
        await Expect(page.Locator(".group-head + .history-links a.history-link").First).ToHaveAttributeAsync("aria-label", new Regex("^History of .+#/etc/page-history.conf$"));

        await Open(page, "search page-history.conf");
        var row = page.Locator("table.records tbody tr").Filter(new() { HasText = PageFixture.Web1History });
        await row.Locator("a.history-link").ClickAsync();
        await Done(page);

        await Expect(page.Locator("#q")).ToHaveValueAsync($"history '{PageFixture.Web1History}'");
        Assert.Contains("?q=history+%27web1.example.org%23%2Fetc%2Fpage-history.conf%27", page.Url, StringComparison.Ordinal);
        Assert.Equal([PageFixture.Web1History], await page.Locator(".timeline-key").AllTextContentsAsync());
        await Expect(Timeline(page, PageFixture.Web1History).Locator(".version")).ToHaveCountAsync(4);

        // Back returns to the search.
        await page.GoBackAsync();
        await Expect(page.Locator("#q")).ToHaveValueAsync("search page-history.conf");
    }

    /// <summary>On a phone the timeline and a version's diff stay within the width: only the diff's own box scrolls.</summary>
    [Fact]
    public async Task A_timeline_and_its_diff_fit_the_width_of_a_phone()
    {
        var page = await NewPageAsync(390);
        await Open(page, HistoryQuery);
        var web1 = Timeline(page, PageFixture.Web1History);
        await web1.Locator(".version[data-version='2']").ClickAsync();
        await Expect(web1.Locator(".version-diff pre.diff")).ToBeVisibleAsync();

        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
        foreach (var box in new[] { await web1.Locator(".version").First.BoundingBoxAsync(), await web1.Locator(".axis .dot").First.BoundingBoxAsync() })
        {
            Assert.True(box!.X >= 0 && box.X + box.Width <= 390, $"{box.X}+{box.Width} > 390");
        }
    }

    private static ILocator Timeline(IPage page, string key) =>
        page.Locator(".timeline").Filter(new() { Has = page.Locator(".timeline-key", new() { HasTextRegex = new Regex("^" + Regex.Escape(key) + "$") }) });
}
