using System.Text;
using SysopsFast.Format;
using SysopsFast.Output;
using SysopsFast.Query;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>The text forms of header fields (docs/OUTPUT.md), and diffs relabelled per key.</summary>
public class FieldTextTests
{
    private static RecordMetadata Record(long insertedMs, FileStat stat = default) =>
        new("web1.example.org#/etc/hosts", new RecordHeader { InsertedUnixMs = insertedMs, Stat = stat, Characters = 12, Lines = 2, Words = 3 });

    [Theory]
    [InlineData(0, "0:00:00")]
    [InlineData(754, "0:12:34")]
    [InlineData(86400 + 5, "1 day, 0:00:05")]
    [InlineData((2 * 86400) + (7 * 3600) + (33 * 60) + 20, "2 days, 7:33:20")]
    [InlineData(-10, "-1 day, 23:59:50")]
    public void Ages_print_as_python_prints_a_timedelta(long seconds, string expected) =>
        Assert.Equal(expected, FieldText.Age(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Ctime_pads_the_day_with_a_space() =>
        Assert.Equal("Mon Jun  2 15:09:08 2014", FieldText.CTime(new DateTimeOffset(2014, 6, 2, 15, 9, 8, TimeSpan.Zero)));

    [Fact]
    public void Stat_wordcount_and_time_have_their_documented_layout()
    {
        var r = Record(1795691577232, new FileStat(0x8000 | 420, 1000, 50, 1332, 1369870000));
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1795691577232);
        Assert.Equal("mode=100644 uid=1000 gid=50 size=1332 mtime=1369870000", FieldText.Format(RecordField.Stat, r, now));
        Assert.Equal("chars=12 lines=2 words=3", FieldText.Format(RecordField.Wordcount, r, now));
        Assert.Equal("1795691577.232", FieldText.Format(RecordField.Time, r, now));
        Assert.Equal("0:00:00", FieldText.Format(RecordField.TimeUpdated, r, now));
        Assert.Equal("('Number of characters: 12', 'Number of lines: 3', 'Number of words: 3')", FieldText.FormatOriginal(RecordField.Wordcount, r, now));
        Assert.StartsWith("posix.stat_result(st_mode=33188, ", FieldText.FormatOriginal(RecordField.Stat, r, now), StringComparison.Ordinal);
        Assert.StartsWith("No os.stat() is available.", FieldText.FormatOriginal(RecordField.Stat, Record(0), now), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void A_hostile_insertion_time_prints_instead_of_crashing(long insertedMs)
    {
        var r = Record(insertedMs);
        Assert.NotEmpty(FieldText.Format(RecordField.TimeHuman, r, DateTimeOffset.UtcNow));
        Assert.NotEmpty(FieldText.Format(RecordField.TimeUpdated, r, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void The_prefix_pads_keys_to_100_columns_and_always_leaves_a_space()
    {
        Assert.Equal(100, FieldText.Prefix("a#b").Length);
        Assert.Equal(new string('k', 120) + " ", FieldText.Prefix(new string('k', 120)));
    }

    [Fact]
    public void A_diff_is_relabelled_for_each_key_of_the_same_contents()
    {
        var diff = Encoding.UTF8.GetBytes("--- ref#x\n+++ s#x\n@@ -1 +1 @@\n-a\n+b\n");
        Assert.Equal("--- ref#x\n+++ t#x\n@@ -1 +1 @@\n-a\n+b\n", Encoding.UTF8.GetString(Comparisons.Relabel(diff, "ref#x", "s#x", "t#x")));
        Assert.Same(diff, Comparisons.Relabel(diff, "ref#x", "s#x", "s#x"));
        var binary = Encoding.UTF8.GetBytes("Binary files ref#x and s#x differ\n");
        Assert.Equal("Binary files ref#x and t#x differ\n", Encoding.UTF8.GetString(Comparisons.Relabel(binary, "ref#x", "s#x", "t#x")));
    }
}
