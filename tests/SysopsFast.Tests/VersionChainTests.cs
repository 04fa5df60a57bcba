using System.Text;
using SysopsFast.Format;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>History lists (docs/FORMAT.md "History"): slot tags, entries as the writer builds them, chains with damage.</summary>
public class VersionChainTests
{
    [Fact]
    public void Every_slot_has_a_tag_the_first_in_alphabet_order_that_hashes_to_it()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var slot = 0; slot < ClusterSlots.Count; slot++)
        {
            var tag = HistoryKey.TagOf(slot);
            Assert.Equal(HistoryKey.TagLength, tag.Length);
            Assert.All(tag, c => Assert.Contains(c, HistoryKey.TagAlphabet));
            Assert.Equal(slot, ClusterSlots.Of(Encoding.ASCII.GetBytes(tag)));
            Assert.True(seen.Add(tag));
        }
        // The first: no smaller string hashes to the slot (checked for the first tags in order).
        Assert.Equal("0000", HistoryKey.TagOf(ClusterSlots.Of("0000"u8)));
        Assert.Equal("0001", HistoryKey.TagOf(ClusterSlots.Of("0001"u8)));
    }

    [Theory]
    [InlineData("web1#/etc/passwd")]
    [InlineData("h#cmd/sysctl-a")]
    [InlineData("{tagged}x#/etc/hosts")]
    [InlineData("héllo#/a{b}c")]
    public void A_history_key_shares_its_record_keys_slot_and_names_it_back(string recordKey)
    {
        var key = HistoryKey.Of(recordKey);
        Assert.StartsWith(HistoryKey.Prefix + "{", key, StringComparison.Ordinal);
        Assert.Equal(HistoryKey.SlotOf(Encoding.UTF8.GetBytes(recordKey)), HistoryKey.SlotOf(Encoding.UTF8.GetBytes(key)));
        Assert.Equal(Encoding.UTF8.GetBytes(key), HistoryKey.Of(Encoding.UTF8.GetBytes(recordKey)));
        Assert.True(HistoryKey.TryRecordKey(key, out var back));
        Assert.Equal(recordKey, back);
    }

    [Theory]
    [InlineData("web1#/etc/passwd")]
    [InlineData("#history:{0000}:web1#/etc/passwd")]
    [InlineData("#history:{0c5y}:")]
    [InlineData("#history:0c5y:web1#/etc/passwd")]
    public void Other_keys_are_no_history_keys(string key) => Assert.False(HistoryKey.TryRecordKey(key, out _));

    [Fact]
    public void Random_chains_rebuild_and_damage_makes_exactly_its_dependents_corrupt()
    {
        var random = new Random(19);
        for (var round = 0; round < 300; round++)
        {
            var chain = RandomChain(random, random.Next(1, 9));
            var entries = chain.Entries.Select(e => (ReadOnlyMemory<byte>)e).ToList();
            Check(chain, entries, damaged: -1);
            for (var at = 0; at < entries.Count; at++)
            {
                var hurt = entries.ToList();
                hurt[at] = Damage(random, chain.Entries[at]);
                Check(chain, hurt, damaged: at);
            }
        }
    }

    [Fact]
    public void The_writer_stores_the_relative_form_only_where_it_is_allowed_and_smaller()
    {
        var newer = Lines(200, 1);
        var old = Lines(200, 2);
        var oldRecord = RecordEncoder.Encode(old, FileStat.None, 1, PayloadCodec.Lz4);
        Assert.True(RecordHeader.TryRead(oldRecord, out var header, out _));
        var entry = VersionEntry.Build(oldRecord, header, old, newer, newerHasContents: true);
        Assert.True(RecordHeader.TryRead(entry, out var entryHeader, out _, versionEntry: true));
        Assert.Equal(RecordFlags.Relative, entryHeader.Flags);
        Assert.True(entry.Length < oldRecord.Length);
        // The newer version omitted, or over 1 MiB: the old record's own bytes.
        Assert.Equal(oldRecord, VersionEntry.Build(oldRecord, header, old, [], newerHasContents: false));
        Assert.Equal(oldRecord, VersionEntry.Build(oldRecord, header, old, new byte[LineBase.MaxRawLength + 1], newerHasContents: true));
        // Nothing in common: the relative form is larger.
        var other = RecordEncoder.Encode("x\n"u8, FileStat.None, 1, PayloadCodec.None);
        Assert.True(RecordHeader.TryRead(other, out var otherHeader, out _));
        Assert.Equal(other, VersionEntry.Build(other, otherHeader, "x\n"u8, newer, newerHasContents: true));
    }

    private static void Check(Chain chain, List<ReadOnlyMemory<byte>> entries, int damaged)
    {
        using var decoder = new RecordDecoder();
        var versions = new VersionChain(decoder).Read(chain.Current, entries).ToList();
        Assert.Equal(entries.Count + 1, versions.Count);
        var corrupt = false;
        for (var i = 0; i < versions.Count; i++)
        {
            corrupt = (i > 0 && i - 1 == damaged) || (i > 0 && corrupt && chain.Relative[i - 1]);
            var version = versions[i];
            Assert.Equal(i, version.Index);
            Assert.True(corrupt == (version.Error is not null), $"version {i} of {versions.Count}, entry {damaged} damaged: {version.Error}");
            if (!corrupt)
            {
                Assert.Equal(chain.Omitted[i], (version.Header.Flags & RecordFlags.Omitted) != 0);
                Assert.Equal(chain.Omitted[i] ? [] : chain.Contents[i], version.Contents.ToArray());
                Assert.Equal(chain.Md5[i], version.Header.Md5);
            }
        }
    }

    /// <summary>A byte changed where a reader notices it: anywhere but the reserved bytes outside the header CRC.</summary>
    private static ReadOnlyMemory<byte> Damage(Random random, byte[] entry)
    {
        var hurt = entry.ToArray();
        int at;
        do
        {
            at = random.Next(hurt.Length);
        }
        while (at is >= 116 and < 120);
        hurt[at] ^= (byte)random.Next(1, 256);
        return hurt;
    }

    private sealed record Chain(byte[] Current, List<byte[]> Entries, List<byte[]> Contents, List<bool> Omitted, List<bool> Relative, List<UInt128> Md5);

    /// <summary>Versions newest first, each a few lines changed from the next; some omitted; entries built as push builds them.</summary>
    private static Chain RandomChain(Random random, int count)
    {
        var contents = new List<byte[]>();
        var text = Lines(random.Next(0, 40), random.Next());
        for (var i = 0; i < count; i++)
        {
            contents.Add(text);
            text = Mutate(random, text);
        }
        var omitted = contents.Select(_ => random.Next(6) == 0).ToList();
        var records = contents.Select((c, i) => Record(random, c, omitted[i], i)).ToList();
        var entries = new List<byte[]>();
        var relative = new List<bool>();
        for (var i = 1; i < count; i++)
        {
            Assert.True(RecordHeader.TryRead(records[i], out var header, out _));
            var entry = random.Next(4) == 0
                ? records[i]
                : VersionEntry.Build(records[i], header, omitted[i] ? [] : contents[i], omitted[i - 1] ? [] : contents[i - 1], !omitted[i - 1]);
            Assert.True(RecordHeader.TryRead(entry, out var entryHeader, out _, versionEntry: true));
            entries.Add(entry);
            relative.Add((entryHeader.Flags & RecordFlags.Relative) != 0);
        }
        return new Chain(records[0], entries, contents, omitted, relative, [.. contents.Select(c => RecordEncoder.Md5Of(c))]);
    }

    private static byte[] Record(Random random, byte[] contents, bool omitted, int age)
    {
        var inserted = 1_700_000_000_000 - (age * 3_600_000L);
        if (omitted)
        {
            using var counter = new ContentCounter();
            counter.Add(contents);
            return RecordEncoder.EncodeOmitted(counter.Complete(), FileStat.None, inserted);
        }
        var codec = (PayloadCodec)random.Next(3);
        return RecordEncoder.Encode(contents, FileStat.None, inserted, codec);
    }

    private static byte[] Mutate(Random random, byte[] text)
    {
        var lines = Encoding.ASCII.GetString(text).Split('\n').ToList();
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            var at = random.Next(lines.Count);
            switch (random.Next(3))
            {
                case 0:
                    lines.Insert(at, $"inserted {random.Next()}");
                    break;
                case 1 when lines.Count > 1:
                    lines.RemoveAt(at);
                    break;
                default:
                    lines[at] += random.Next(10).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    break;
            }
        }
        return Encoding.ASCII.GetBytes(string.Join('\n', lines));
    }

    private static byte[] Lines(int count, int seed) =>
        Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, count).Select(i => $"net.setting.{i} = {(i * 7919) ^ seed}\n")));
}
