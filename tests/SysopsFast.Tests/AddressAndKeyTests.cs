using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.Tests;

public class AddressAndKeyTests
{
    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", 6379, 0, false)]
    [InlineData("127.0.0.1:7000", "127.0.0.1", 7000, 0, false)]
    [InlineData("redis://localhost:6380/1", "localhost", 6380, 1, false)]
    [InlineData("rediss://cache.example.com:6390", "cache.example.com", 6390, 0, true)]
    [InlineData("redis://ops@[::1]:6379/2", "::1", 6379, 2, false)]
    public void Addresses_parse(string text, string host, int port, int db, bool tls)
    {
        var a = ServerAddress.Parse(text);
        Assert.Equal((host, port, db, tls), (a.Host, a.Port, a.Database, a.Tls));
    }

    [Theory]
    [InlineData("http://x:1")]
    [InlineData("redis://user:secret@host:1")]
    [InlineData("host:99999")]
    [InlineData("host:abc")]
    [InlineData("redis://host:1/x")]
    [InlineData(":6379")]
    public void Bad_addresses_are_one_line_errors(string text)
    {
        var e = Assert.Throws<SysopsFastException>(() => ServerAddress.Parse(text));
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("sysctl-a", "*sysctl-a*")]
    [InlineData("/etc/passwd", "*/etc/passwd*")]
    [InlineData("web*#/etc/hosts", "web*#/etc/hosts")]
    public void Object_patterns_follow_the_original_rule(string pattern, string glob) =>
        Assert.Equal(glob, ObjectKey.ToKeyGlob(pattern));

    [Fact]
    public void Keys_split_at_the_first_hash()
    {
        Assert.Equal(("h.example.com", "/etc/a#b"), ObjectKey.Split("h.example.com#/etc/a#b"));
        Assert.Equal("h"u8.ToArray(), ObjectKey.HostOf("h#x"u8).ToArray());
    }
}
