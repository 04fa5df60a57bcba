using System.Text;
using System.Text.RegularExpressions;
using SysopsFast.Cli.Serve;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>The page `serve` answers at / is in the binary, whole, and asks for nothing from elsewhere.</summary>
public sealed partial class PageAssetsTests
{
    [Theory]
    [InlineData("/", "text/html; charset=utf-8", "<!doctype html>")]
    [InlineData("/assets/app.js", "text/javascript; charset=utf-8", "'use strict';")]
    [InlineData("/assets/app.css", "text/css; charset=utf-8", ":root {")]
    public void Each_file_of_the_page_is_embedded_with_its_type(string path, string type, string content)
    {
        Assert.True(PageAssets.TryGet(path, out var contentType, out var body));
        Assert.Equal(type, contentType);
        Assert.Contains(content, Encoding.UTF8.GetString(body.Span), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/index.html")]
    [InlineData("/assets/")]
    [InlineData("/assets/../app.js")]
    [InlineData("/assets/APP.JS")]
    [InlineData("/api/v1/query")]
    public void Any_other_path_is_not_a_page_file(string path)
    {
        Assert.False(PageAssets.TryGet(path, out var contentType, out var body));
        Assert.Equal("", contentType);
        Assert.True(body.IsEmpty);
    }

    /// <summary>Every file the page links to is one of its own; no address of another site appears in any of them.</summary>
    [Fact]
    public void The_page_loads_only_its_own_files()
    {
        PageAssets.TryGet("/", out _, out var html);
        var links = Link().Matches(Encoding.UTF8.GetString(html.Span)).Select(m => m.Groups[1].Value).Where(l => !l.StartsWith("data:", StringComparison.Ordinal)).ToList();
        Assert.Equal(["/assets/app.css", "/assets/app.js"], links.Order(StringComparer.Ordinal));
        Assert.All(links, l => Assert.True(PageAssets.TryGet(l, out _, out _), l));
        foreach (var path in new[] { "/", "/assets/app.js", "/assets/app.css" })
        {
            PageAssets.TryGet(path, out _, out var body);
            Assert.DoesNotMatch("(?i)https?://|//[a-z0-9-]+\\.[a-z]", Encoding.UTF8.GetString(body.Span));
        }
    }

    /// <summary>Data reaches the page as text: the script never assigns markup (innerHTML and its kin).</summary>
    [Fact]
    public void The_script_never_writes_markup()
    {
        PageAssets.TryGet("/assets/app.js", out _, out var js);
        Assert.DoesNotMatch("innerHTML|outerHTML|insertAdjacentHTML|document\\.write|eval\\(|new Function", Encoding.UTF8.GetString(js.Span));
    }

    [GeneratedRegex("(?:src|href)=\"([^\"]*)\"")]
    private static partial Regex Link();
}
