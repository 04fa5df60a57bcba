using System.Text;
using SysopsFast.Grep;
using SysopsFast.Output;
using Xunit;

namespace SysopsFast.Tests;

public class SinkTests
{
    [Fact]
    public void Uniq_orders_by_count_then_line_bytes_and_merges_workers()
    {
        var factory = new UniqCountSinkFactory();
        var a = factory.CreateForWorker();
        var b = factory.CreateForWorker();
        foreach (var line in new[] { "b", "a", "c", "b" })
        {
            a.Matched(Encoding.UTF8.GetBytes(line));
        }
        foreach (var line in new[] { "c", "a", "Z" })
        {
            b.Matched(Encoding.UTF8.GetBytes(line));
        }
        factory.Complete([a, b]);
        Assert.Equal(new[] { new UniqCount("a", 2), new UniqCount("b", 2), new UniqCount("c", 2), new UniqCount("Z", 1) }.OrderByDescending(x => x.Count).ThenBy(x => x.Line, StringComparer.Ordinal), factory.Result);
    }

    [Fact]
    public void Uniq_format_is_that_of_uniq_c()
    {
        var text = UniqPrinter.Text([new UniqCount("net.core.netdev_budget = 300", 23712), new UniqCount("x", 5)]);
        Assert.Equal("  23712 net.core.netdev_budget = 300\n      5 x\n", text);
        var wide = UniqPrinter.Text([new UniqCount("y", 123456789)]);
        Assert.Equal("123456789 y\n", wide);
    }

    [Fact]
    public void Print_sink_prefixes_hosts_and_keeps_records_whole()
    {
        using var output = new MemoryStream();
        var factory = new PrintSinkFactory(output, prefixHostnames: true);
        var s1 = factory.CreateForWorker();
        var s2 = factory.CreateForWorker();
        s1.BeginRecord("web1.example.com#cmd/x"u8);
        s2.BeginRecord("web2.example.com#cmd/x"u8);
        s1.Matched("one"u8);
        s2.Matched("three"u8);
        s1.Matched("two"u8);
        s2.EndRecord(1);
        s1.EndRecord(2);
        factory.Complete([s1, s2]);
        Assert.Equal("web2.example.com:three\nweb1.example.com:one\nweb1.example.com:two\n", Encoding.UTF8.GetString(output.ToArray()));
    }

    [Theory]
    [InlineData(0, 10, "                    ", "0.0%")]
    [InlineData(10, 10, "████████████████████", "100.0%")]
    [InlineData(25, 10, "████████████████████", "250.0%")] // a line repeated within records: the bar stops at full
    [InlineData(1, 100_000, "▏                   ", "<0.1%")]
    [InlineData(33, 100, "██████▋             ", "33.0%")]
    [InlineData(7, 0, "▏                   ", "")]
    public void Count_bars_have_a_fixed_width_and_never_hide_a_non_zero_count(long count, long whole, string bar, string percent)
    {
        Assert.Equal(bar, Output.CountBar.Bar(count, whole));
        Assert.Equal(Output.CountBar.Width, Output.CountBar.Bar(count, whole).Length);
        Assert.Equal(percent, Output.CountBar.Percent(count, whole));
    }

    [Fact]
    public void Counts_on_a_terminal_have_thousands_separators() =>
        Assert.Equal("23,748", Output.CountBar.Count(23748));

    [Fact]
    public void Uniq_on_a_terminal_is_the_table_docs_output_shows()
    {
        using var output = new MemoryStream();
        UniqCount[] rows =
        [
            new("net.core.netdev_budget = 300", 23748), new("net.core.netdev_budget_usecs = 8000", 18807),
            new("net.core.netdev_budget_usecs = 2000", 5193), new("net.core.netdev_budget = 600", 208), new("net.core.netdev_budget = 450", 44),
        ];
        UniqPrinter.Text(output, rows, records: 24000, new TextStyle(terminal: true, colour: false));
        Assert.Equal(
            "23,748 ███████████████████▊  99.0%  net.core.netdev_budget = 300\n" +
            "18,807 ███████████████▋      78.4%  net.core.netdev_budget_usecs = 8000\n" +
            " 5,193 ████▍                 21.6%  net.core.netdev_budget_usecs = 2000\n" +
            "   208 ▏                      0.9%  net.core.netdev_budget = 600\n" +
            "    44 ▏                      0.2%  net.core.netdev_budget = 450\n",
            Encoding.UTF8.GetString(output.ToArray()));
    }
}
