using System.Text;
using SysopsFast.Format;
using SysopsFast.Output;
using SysopsFast.Pipeline;
using SysopsFast.Query;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>
/// Header listings held packed (<see cref="MetadataTable"/>, <see cref="RecordMetadataList"/>): the
/// same order, groups and printed bytes as the object-per-key code they replace, which each test
/// keeps as its reference (the LINQ it was).
/// </summary>
public class MetadataTableTests
{
    [Fact]
    public void Keys_sort_as_their_strings_do_even_where_utf8_byte_order_differs()
    {
        // U+E000 is EE 80 80 in UTF-8, below F0 (U+1F600), but its UTF-16 unit is above the
        // surrogate D83D: byte order and string order disagree; invalid bytes print as U+FFFD.
        byte[][] keys =
        [
            "h\uE000#o"u8.ToArray(), "h\U0001F600#o"u8.ToArray(), "h\u00e9#o"u8.ToArray(), "h\uFFFD#o"u8.ToArray(),
            [(byte)'h', 0xC3, (byte)'#', (byte)'o'], [(byte)'h', 0xFF, (byte)'#', (byte)'o'], "h#o"u8.ToArray(), "h~#o"u8.ToArray(),
            "h\u00e9#o"u8.ToArray(), "a"u8.ToArray(), [(byte)'a', 0], "h\U0001F600#o"u8.ToArray(),
        ];
        var list = Collect(keys.Select(k => (k, Header(k.Length))));
        var expected = keys.DistinctBy(Convert.ToHexString).Select(Encoding.UTF8.GetString).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, list.Select(r => r.Key));
        // Keys that print alike (three spellings of U+FFFD here) stay apart: they are different keys.
        Assert.Equal(3, list.Count(r => r.Key == "h\uFFFD#o"));
        Assert.Equal(expected.Length, Enumerable.Range(0, list.Count).Select(i => Convert.ToHexString(list.KeyBytes(i))).Distinct().Count());
    }

    [Fact]
    public void Many_ascii_keys_sort_drop_repeats_and_keep_their_headers()
    {
        var random = new Random(7);
        var keys = new List<byte[]>();
        for (var i = 0; i < 20_000; i++)
        {
            // Long shared prefixes, keys that are prefixes of others, zero bytes, and repeats.
            var host = random.Next(4) switch
            {
                0 => $"eat1-app{random.Next(30_000):D5}.example.com",
                1 => $"eat1-app{random.Next(300)}",
                2 => $"e{new string('a', random.Next(20))}",
                _ => $"x\0{random.Next(100)}",
            };
            keys.Add(Encoding.ASCII.GetBytes(host + "#sysctl-a"));
        }
        var list = Collect(keys.Select(k => (k, Header(XxKey(k)))));
        var expected = keys.DistinctBy(Convert.ToHexString).Select(Encoding.UTF8.GetString).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, list.Select(r => r.Key));
        for (var i = 0; i < list.Count; i++)
        {
            Assert.Equal(XxKey(list.KeyBytes(i).ToArray()), list.Header(i).RawLength);
        }
    }

    [Fact]
    public void Md5_groups_match_the_linq_grouping_they_replace()
    {
        var random = new Random(3);
        var records = Enumerable.Range(0, 5_000)
            .Select(i => (Key: Encoding.ASCII.GetBytes($"web{random.Next(100_000)}#/etc/hosts"), Variant: random.Next(9)))
            .Select(r => (r.Key, new RecordHeader { Md5 = (UInt128)(r.Variant % 4), RawLength = r.Variant < 8 ? 10 : 11 }));
        // Two contents of one md5 and equal counts: ordered by their first keys.
        records = records.Concat([("tie-a#x"u8.ToArray(), new RecordHeader { Md5 = 99, RawLength = 1 }), ("tie-b#x"u8.ToArray(), new RecordHeader { Md5 = 99, RawLength = 2 })]);
        var list = Collect(records);
        var groups = Md5Grouping.Group(list);
        var reference = list.ToArray().GroupBy(r => (r.Header.Md5, r.Header.RawLength))
            .Select(g => (g.Key.Md5, g.Key.RawLength, Keys: g.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Key).ToArray()))
            .OrderByDescending(g => g.Keys.Length).ThenBy(g => g.Md5).ToArray();
        Assert.Equal(reference.Select(g => (g.Md5, g.RawLength, string.Join(' ', g.Keys))), groups.Select(g => (g.Md5, g.Length, string.Join(' ', g.Members.Select(m => m.Key)))));
        Assert.Equal(list.Count, groups.Sum(g => g.Count));
    }

    [Fact]
    public void Fields_written_from_bytes_equal_the_formatted_strings()
    {
        ulong[] md5s = [0, 1, ulong.MaxValue];
        long[] numbers = [0, 1, -1, 1795691577232, long.MaxValue, long.MinValue];
        uint[] modes = [0, 7, 8, 0x8000 | 420, uint.MaxValue];
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        Span<byte> buffer = stackalloc byte[256];
        foreach (var field in new[] { RecordField.Md5sum, RecordField.Stat, RecordField.Wordcount, RecordField.Time })
        {
            foreach (var (n, i) in numbers.Select((n, i) => (n, i)))
            {
                var header = new RecordHeader
                {
                    Md5 = new UInt128(md5s[i % 3], (ulong)n), InsertedUnixMs = n, Characters = n, Lines = -n, Words = n / 3,
                    Stat = new FileStat(modes[i % modes.Length], (uint)i, uint.MaxValue, n, -n),
                };
                Assert.True(FieldText.TryWrite(field, header, buffer, out var written));
                Assert.Equal(FieldText.Format(field, new RecordMetadata("k#o", header), now), Encoding.UTF8.GetString(buffer[..written]));
            }
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void The_text_printer_prints_a_list_as_it_prints_each_record(bool prefixKeys, bool original)
    {
        string[] keys = ["h#o", new string('a', 97) + "#o", new string('b', 98) + "#o", new string('c', 99) + "#o", new string('d', 600) + "#o", "h\u00e9#o", "h\U0001F600#o"];
        var list = Collect(keys.Select((k, i) => (Encoding.UTF8.GetBytes(k), new RecordHeader { Md5 = (UInt128)i * 7919, InsertedUnixMs = 1795691577232 + i, Stat = new FileStat((uint)(0x8000 | (i * 73)), 1, 2, i, 5), Characters = i })));
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        foreach (var field in Enum.GetValues<RecordField>().Where(f => f is not RecordField.Key and not RecordField.Contents))
        {
            using var fast = new MemoryStream();
            using var each = new MemoryStream();
            new TextSearchPrinter(fast, prefixKeys, now, original).Fields(list, field);
            var printer = new TextSearchPrinter(each, prefixKeys, now, original);
            foreach (var record in list)
            {
                printer.Field(record, field);
            }
            Assert.Equal(Encoding.UTF8.GetString(each.ToArray()), Encoding.UTF8.GetString(fast.ToArray()));
        }
    }

    private static long XxKey(byte[] key) => (long)(System.IO.Hashing.XxHash3.HashToUInt64(key) >> 1);

    private static RecordHeader Header(long rawLength) => new() { RawLength = rawLength };

    /// <summary>The records read by two workers, alternately, as a header query's pipeline hands them over.</summary>
    private static RecordMetadataList Collect(IEnumerable<(byte[] Key, RecordHeader Header)> records)
    {
        var collector = new MetadataTable.Collector(headers: true);
        IRecordProcessor[] workers = [collector.CreateForWorker(), collector.CreateForWorker()];
        var n = 0;
        foreach (var (key, header) in records)
        {
            workers[n++ % 2].Process(key, header, default);
        }
        collector.Complete(workers);
        return collector.Sorted();
    }
}
