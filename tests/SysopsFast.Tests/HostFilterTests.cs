using SysopsFast.Topology;
using Xunit;

namespace SysopsFast.Tests;

public class HostFilterTests
{
    private static bool Allows(HostFilter f, string key) => f.Allows(System.Text.Encoding.UTF8.GetBytes(key));

    [Fact]
    public void Every_restriction_must_hold()
    {
        var f = new HostFilter().RequireOneOf(["a1.example.com", "A2.example.com", "b1.example.com"]).RequireGlob("a*");
        Assert.True(Allows(f, "a1.example.com#cmd/sysctl-a"));
        Assert.True(Allows(f, "a2.EXAMPLE.com#/etc/passwd"));
        Assert.False(Allows(f, "b1.example.com#cmd/sysctl-a")); // listed, but not a*
        Assert.False(Allows(f, "a3.example.com#cmd/sysctl-a")); // a*, but not listed
    }

    [Fact]
    public void Globs_take_star_and_question_mark()
    {
        var f = new HostFilter().RequireGlob("eat1-app0000?.example.com");
        Assert.True(Allows(f, "eat1-app00007.example.com#x"));
        Assert.False(Allows(f, "eat1-app00017.example.com#x"));
        Assert.False(Allows(f, "lva1-app00007.example.com#x"));
    }

    [Fact]
    public void Host_lists_skip_blanks_and_comments()
    {
        var names = HostFilter.ReadHostList(new StringReader("# fleet\nweb1.example.com\n\n  web2.example.com  # canary\n")).ToList();
        Assert.Equal(["web1.example.com", "web2.example.com"], names);
    }

    [Fact]
    public void An_empty_list_selects_nothing()
    {
        var f = new HostFilter().RequireOneOf([]);
        Assert.False(f.IsEmpty);
        Assert.False(Allows(f, "web1.example.com#x"));
    }
}

public class RangeClientTests
{
    [Theory]
    [InlineData("bad host name")]
    [InlineData("ftp://range.example.com")]
    public void A_bad_range_server_is_a_one_line_error(string server)
    {
        var e = Assert.Throws<SysopsFastException>(() => new RangeClient(server));
        Assert.Equal(ErrorRemedy.RangeServer, e.Remedy);
    }

    [Fact]
    public async Task An_unreachable_range_server_is_named()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new RangeClient($"127.0.0.1:{port}");
        var e = await Assert.ThrowsAsync<SysopsFastException>(() => client.ListAsync("%x", CancellationToken.None));
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
    }
}
