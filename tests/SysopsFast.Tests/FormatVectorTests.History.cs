using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SysopsFast.Format;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>docs/FORMAT.md "History": its version entries, chains and slot tag example.</summary>
public partial class FormatVectorTests
{
    private const long Sample600Inserted = 1_699_996_400_123;
    private const long HelloInserted = 1_699_992_800_123;

    public static TheoryData<string> ChainNames => [.. Table("### History vectors", which: 1).Select(r => r[0])];

    [Fact]
    public void The_writer_makes_the_history_entry_bytes()
    {
        var written = Table("### History vectors").Where(r => r[4] == "yes").Select(r => r[0]).ToList();
        Assert.Equal(["history-relative", "history-self-contained"], written);
        Assert.Equal(Convert.ToHexString(Blocks["history-relative"]), Convert.ToHexString(Replaced(Sample600(), Sample600Inserted, Sample())));
        Assert.Equal(Convert.ToHexString(Blocks["history-self-contained"]), Convert.ToHexString(Replaced("hello\n"u8.ToArray(), HelloInserted, Sample600())));
    }

    [Theory]
    [MemberData(nameof(ChainNames))]
    public void A_chain_rebuilds_or_is_refused_as_documented(string name)
    {
        var row = Table("### History vectors", which: 1).Single(r => r[0] == name);
        using var dictionaries = Loaded();
        using var decoder = new RecordDecoder(dictionaries);
        var entries = row[2].Split(", ").Select(e => (ReadOnlyMemory<byte>)Blocks[e.Trim('`')]).ToList();
        var versions = new VersionChain(decoder).Read(Blocks[row[1]], entries).ToList();
        var expected = row[3].Split(", ");
        Assert.Equal(expected.Length, versions.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            var version = versions[i];
            Assert.Equal(i, version.Index);
            switch (expected[i])
            {
                case "corrupt":
                    Assert.False(version.HasContents);
                    Assert.NotNull(version.Error);
                    break;
                case "omitted":
                    Assert.Null(version.Error);
                    Assert.True((version.Header.Flags & RecordFlags.Omitted) != 0);
                    break;
                default:
                    Assert.True(version.Error is null, version.Error);
                    Assert.Equal(HistoryContents(expected[i]), version.Contents.ToArray());
                    Assert.Equal(expected[i] switch { "sample-600" => Sample600Inserted, "hello" => HelloInserted, _ => Inserted }, version.Header.InsertedUnixMs);
                    break;
            }
        }
        var firstCorrupt = versions.FirstOrDefault(v => v.Error is not null);
        Assert.Equal(row[4] == "–" ? null : row[4], firstCorrupt.Error);
    }

    [Fact]
    public void A_version_entry_read_as_a_record_is_refused_and_so_is_the_relative_flag_in_a_header_only_read()
    {
        using var dictionaries = Loaded();
        using var decoder = new RecordDecoder(dictionaries) { CheckMd5 = true };
        Assert.False(decoder.TryDecode(Blocks["history-relative"], out _, out _, out var error));
        Assert.Equal("version entry stored as a record", error);
        Assert.False(RecordHeader.TryRead(Blocks["history-relative"].AsSpan(0, RecordHeader.Size), out _, out error));
        Assert.Equal("version entry stored as a record", error);
        Assert.True(decoder.TryDecode(Blocks["history-self-contained"], out _, out var contents, out error), error);
        Assert.Equal("hello\n"u8.ToArray(), contents.ToArray());
    }

    [Fact]
    public void The_documented_history_key_example_is_what_the_code_makes()
    {
        var example = HistoryExample().Match(Section("## History"));
        Assert.True(example.Success, "FORMAT.md no longer gives a history key example");
        var recordKey = example.Groups[1].Value;
        Assert.Equal(int.Parse(example.Groups[2].Value, CultureInfo.InvariantCulture), HistoryKey.SlotOf(Encoding.UTF8.GetBytes(recordKey)));
        Assert.Equal(example.Groups[3].Value, HistoryKey.Of(recordKey));
    }

    /// <summary>The LZ4 record of a replaced version, turned into its entry against the newer contents as push does.</summary>
    private static byte[] Replaced(byte[] contents, long inserted, byte[] newer)
    {
        var record = RecordEncoder.Encode(contents, CommonStat with { Size = contents.Length }, inserted, PayloadCodec.Lz4);
        Assert.True(RecordHeader.TryRead(record, out var header, out var error), error);
        return VersionEntry.Build(record, header, contents, newer, newerHasContents: true);
    }

    private static byte[] Sample600() => [.. "net.core.netdev_budget = 600\n"u8, .. Sample().AsSpan(29)];

    private static byte[] HistoryContents(string cell) => cell switch
    {
        "sample-600" => Sample600(),
        "hello" => "hello\n"u8.ToArray(),
        _ => Contents(cell),
    };

    [GeneratedRegex("Example: `([^`]+)` is in slot (\\d+), so its list is\\s+`([^`]+)`")]
    private static partial Regex HistoryExample();
}
