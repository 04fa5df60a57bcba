using System.Text;
using SysopsFast.Format;
using SysopsFast.Output;
using SysopsFast.Pipeline;
using SysopsFast.Query;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>The kv line parser, its key glob, and the per-worker tables merged into rows.</summary>
public class KeyValueParserTests
{
    private static IReadOnlyList<(string, string)> Parse(string text) => KeyValueParser.Parse(Encoding.UTF8.GetBytes(text));

    [Theory]
    [InlineData("net.core.netdev_budget = 300", "net.core.netdev_budget", "300")]
    [InlineData("net.core.netdev_budget=300", "net.core.netdev_budget", "300")]
    [InlineData("net.core.netdev_budget 300", "net.core.netdev_budget", "300")]
    [InlineData("  key\t=\tvalue  ", "key", "value")]
    [InlineData("key\tvalue", "key", "value")]
    [InlineData("key = value\r", "key", "value")]
    [InlineData("kernel.core_pattern = |/usr/lib/systemd/systemd-coredump %P %u %g", "kernel.core_pattern", "|/usr/lib/systemd/systemd-coredump %P %u %g")]
    [InlineData("net.ipv4.ip_local_port_range = 32768\t60999", "net.ipv4.ip_local_port_range", "32768\t60999")]
    [InlineData("opts = a=1 b=2", "opts", "a=1 b=2")]
    [InlineData("key==x", "key", "=x")]
    [InlineData("AcceptEnv LANG=C LC_*", "AcceptEnv", "LANG=C LC_*")]
    [InlineData("net/ipv4/ip_forward = 1", "net/ipv4/ip_forward", "1")]
    [InlineData("net.ipv4.conf.eth0/100.forwarding = 0", "net.ipv4.conf.eth0/100.forwarding", "0")]
    [InlineData("skip-name-resolve", "skip-name-resolve", "")]
    [InlineData("empty =", "empty", "")]
    [InlineData("value # not a comment", "value", "# not a comment")]
    public void A_pair_line_gives_its_key_and_value(string line, string key, string value)
    {
        Assert.Equal(KeyValueLineKind.Pair, KeyValueParser.ParseLine(Encoding.UTF8.GetBytes(line), out var k, out var v));
        Assert.Equal(key, Encoding.UTF8.GetString(k));
        Assert.Equal(value, Encoding.UTF8.GetString(v));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \t ")]
    [InlineData("\r")]
    [InlineData("# net.core.netdev_budget = 600")]
    [InlineData("   # indented comment")]
    [InlineData("; ini comment")]
    [InlineData("= value without a key")]
    public void Blank_comment_and_keyless_lines_are_skipped(string line) =>
        Assert.Equal(KeyValueLineKind.Skipped, KeyValueParser.ParseLine(Encoding.UTF8.GetBytes(line), out _, out _));

    [Fact]
    public void Ini_sections_prefix_the_keys_that_follow()
    {
        var pairs = Parse("top = 1\n[mysqld]\nport = 3306\n[ client ]\r\nport=3307\n[]\nbare = 2\n");
        Assert.Equal([("top", "1"), ("mysqld.port", "3306"), ("client.port", "3307"), ("bare", "2")], pairs);
    }

    [Fact]
    public void Crlf_tabs_comments_and_a_last_line_without_newline()
    {
        var pairs = Parse("# sysctl.conf\r\n\r\nvm.swappiness = 10\r\n;x\r\nfs.file-max\t6553600\r\nkernel.pid_max=4194304");
        Assert.Equal([("vm.swappiness", "10"), ("fs.file-max", "6553600"), ("kernel.pid_max", "4194304")], pairs);
    }

    [Fact]
    public void Repeated_keys_are_all_listed_by_the_parser()
    {
        Assert.Equal([("a", "1"), ("a", "2")], Parse("a = 1\na = 2\n"));
    }

    [Theory]
    [InlineData("net.core.*", "net.core.netdev_budget", true)]
    [InlineData("net.core.*", "net.ipv4.tcp_sack", false)]
    [InlineData("net.core.netdev_budget", "net.core.netdev_budget", true)]
    [InlineData("net.core.netdev_budget", "net.core.netdev_budget_usecs", false)]
    [InlineData("*budget*", "net.core.netdev_budget_usecs", true)]
    [InlineData("*.rp_filter", "net.ipv4.conf.eth0.rp_filter", true)]
    [InlineData("net.ipv4.conf.eth?.rp_filter", "net.ipv4.conf.eth1.rp_filter", true)]
    [InlineData("net.ipv4.conf.eth?.rp_filter", "net.ipv4.conf.eth10.rp_filter", false)]
    [InlineData("vm.[ds]*", "vm.swappiness", true)]
    [InlineData("vm.[!ds]*", "vm.swappiness", false)]
    [InlineData("vm.[a-c]*", "vm.block_dump", true)]
    [InlineData("a\\*b", "a*b", true)]
    [InlineData("a\\*b", "axb", false)]
    [InlineData("a[b", "a[b", true)]
    [InlineData("*a*b*c", "xxaxxbxxc", true)]
    [InlineData("*a*b*c", "xxaxxbxxcx", false)]
    [InlineData("h?llo", "hällo", true)]
    public void Key_glob_is_a_shell_glob(string glob, string key, bool expected) =>
        Assert.Equal(expected, KeyGlob.Parse(glob)!.IsMatch(Encoding.UTF8.GetBytes(key)));

    [Fact]
    public void No_glob_or_a_lone_star_means_every_key()
    {
        Assert.Null(KeyGlob.Parse(null));
        Assert.Null(KeyGlob.Parse("*"));
    }

    /// <summary>Feeds records to two workers as the pipeline would, then merges.</summary>
    private static IReadOnlyList<KeyValueRow> Collect(string? glob, int sample, params (string Host, string Content)[][] workers)
    {
        var collector = new KeyValueCollector(KeyGlob.Parse(glob), sample);
        var processors = new List<IRecordProcessor>();
        foreach (var records in workers)
        {
            var worker = collector.CreateForWorker();
            processors.Add(worker);
            foreach (var (host, content) in records)
            {
                worker.Process(Encoding.UTF8.GetBytes(host + "#/etc/sysctl.conf"), default(RecordHeader), Encoding.UTF8.GetBytes(content));
            }
        }
        collector.Complete(processors);
        return collector.Rows;
    }

    private static string Text(IReadOnlyList<KeyValueRow> rows)
    {
        using var output = new MemoryStream();
        var printer = new TextKeyValuePrinter(output);
        foreach (var row in rows)
        {
            printer.Key(row);
        }
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Fact]
    public void The_last_of_a_repeated_key_wins_within_a_record()
    {
        var rows = Collect(null, 0, [("h1", "a = 1\nb = x\na = 2\n"), ("h2", "a = 1\n")]);
        Assert.Equal("a\n      1 1\n      1 2\n\nb\n      1 x\n      1 (absent)\n", Text(rows));
    }

    [Fact]
    public void Drifting_keys_come_first_and_workers_merge()
    {
        var rows = Collect(null, 0,
            [("h1", "z = 1\nm = same\n"), ("h2", "z = 1\nm = same\n")],
            [("h3", "z = 2\nm = same\n"), ("h4", "m = same\nonly = here\n")]);
        Assert.Equal(["only", "z", "m"], rows.Select(r => r.Key));
        Assert.Equal([new KeyValueCount("1", 2, []), new KeyValueCount("2", 1, []), new KeyValueCount(null, 1, [])], rows[1].Values.ToArray());
        Assert.Equal([new KeyValueCount(null, 3, []), new KeyValueCount("here", 1, [])], rows[0].Values.ToArray());
        Assert.False(rows[2].Drifts);
    }

    [Fact]
    public void Sampled_hosts_are_the_first_in_order_whatever_the_worker_including_absent_ones()
    {
        var rows = Collect(null, 2,
            [("h5", "a = 1\n"), ("h2", "a = 1\n"), ("h9", "b = 1\n")],
            [("h1", "b = 1\n"), ("h3", "a = 1\n"), ("h4", "a = 2\n"), ("h0", "b = 2\n")]);
        var a = rows.Single(r => r.Key == "a");
        Assert.Equal(["h2", "h3"], a.Values[0].Hosts);
        Assert.Equal(3, a.Values[0].Count);
        Assert.Equal(["h0", "h1"], a.Values[1].Hosts); // absent: h0 h1 h9
        Assert.Null(a.Values[1].Value);
        Assert.Equal(["h4"], a.Values[2].Hosts);
        Assert.Equal("a\n      3 1  [h2 h3 +1 more]\n      3 (absent)  [h0 h1 +1 more]\n      1 2  [h4]\n", Text([a]));

        var all = Collect("a", KeyValueRequest.AllHosts, [("h5", "a = 1\n"), ("h2", "a = 1\n"), ("h9", "b = 1\n")], [("h1", "a=1\n")]);
        Assert.Equal(["h1", "h2", "h5"], all.Single().Values[0].Hosts);
        Assert.Equal(["h9"], all.Single().Values[1].Hosts);
    }

    [Fact]
    public void Glob_filters_keys_and_sections_count()
    {
        var rows = Collect("mysqld.*", 0, [("h1", "[mysqld]\nport = 3306\n[client]\nport = 3306\n"), ("h2", "[mysqld]\nport = 3307\n")]);
        Assert.Equal("mysqld.port\n      1 3306\n      1 3307\n", Text(rows));
    }

    [Fact]
    public void Json_rows_carry_key_values_counts_and_hosts()
    {
        var rows = Collect(null, 1, [("h1", "k = \n"), ("h2", "other = 1\n")]);
        using var output = new MemoryStream();
        var printer = new JsonKeyValuePrinter(output);
        printer.Key(rows.Single(r => r.Key == "k"));
        Assert.Equal("{\"key\":\"k\",\"values\":[{\"value\":\"\",\"count\":1,\"hosts\":[\"h1\"]},{\"value\":null,\"count\":1,\"hosts\":[\"h2\"]}]}\n", Encoding.UTF8.GetString(output.ToArray()));
        Assert.Equal("k\n      1 \"\"  [h1]\n      1 (absent)  [h2]\n", Text([rows.Single(r => r.Key == "k")]));
    }
}
