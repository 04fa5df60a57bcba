using System.Text;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>The host-name index's grams: what writers add and what readers ask (docs/FORMAT.md, "Host-name index").</summary>
public sealed class HostNameGramsTests
{
    private static string[] Text(IEnumerable<byte[]> grams) => [.. grams.Select(Encoding.UTF8.GetString).Order(StringComparer.Ordinal)];

    [Fact]
    public void A_host_name_gives_every_distinct_substring_of_one_to_three_bytes()
    {
        Assert.Equal([".", ".a", "a", "a.", "a.a", "aa", "aa.", "aaa"], Text(HostNameGrams.Of("aaa.a")));
        Assert.Equal(3 + 2 + 1, HostNameGrams.Of("abc").Count);
    }

    [Fact]
    public void A_writer_sends_each_gram_once()
    {
        var sent = new HostNameGrams();
        Assert.Equal(Text(HostNameGrams.Of("web1.example.org")), Text(sent.New("web1.example.org"u8)));
        Assert.Empty(sent.New("web1.example.org"u8));
        Assert.Equal(["2", "2.", "2.e", "b2", "b2.", "eb2"], Text(sent.New("web2.example.org"u8)));
    }

    [Fact]
    public void A_reader_asks_short_texts_whole_and_longer_ones_by_their_distinct_three_byte_pieces()
    {
        Assert.Equal(["s"], Text(HostNameGrams.Asked("s"u8)));
        Assert.Equal(["sy"], Text(HostNameGrams.Asked("sy"u8)));
        Assert.Equal(["sys"], Text(HostNameGrams.Asked("sys"u8)));
        Assert.Equal(["ctl", "l-a", "sct", "sys", "tl-", "ysc"], Text(HostNameGrams.Asked("sysctl-a"u8)));
        Assert.Equal(["aaa"], Text(HostNameGrams.Asked("aaaaaaa"u8)));
        // A long text: a subset proves as much when one of it is missing.
        Assert.Equal(64, HostNameGrams.Asked(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 300)))).Length);
    }

    /// <summary>
    /// The proof readers rely on, over random names and texts: when some host name holds a text,
    /// every gram asked for it is in the index; so one missing proves that none holds it.
    /// </summary>
    [Fact]
    public void A_gram_missing_from_the_index_proves_no_host_name_holds_the_text()
    {
        var random = new Random(18);
        byte[] Bytes(int min, int max) => [.. Enumerable.Range(0, random.Next(min, max)).Select(_ => (byte)"ab-.\u00e9x"[random.Next(6)])];
        for (var round = 0; round < 200; round++)
        {
            var hosts = Enumerable.Range(0, random.Next(1, 30)).Select(_ => Bytes(1, 20)).ToArray();
            var sent = new HostNameGrams();
            var index = new HashSet<string>(hosts.SelectMany(h => sent.New(h)).Select(Convert.ToHexString));
            for (var t = 0; t < 50; t++)
            {
                var text = Bytes(1, 8);
                var held = hosts.Any(h => h.AsSpan().IndexOf(text) >= 0);
                var missing = HostNameGrams.Asked(text).Any(g => !index.Contains(Convert.ToHexString(g)));
                Assert.False(held && missing, $"{Encoding.Latin1.GetString(text)} is held, yet a gram is missing");
            }
        }
    }
}
