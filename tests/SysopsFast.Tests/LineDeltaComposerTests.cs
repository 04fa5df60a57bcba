using System.IO.Hashing;
using System.Text;
using SysopsFast.Format;
using SysopsFast.Pipeline;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>
/// Older versions composed from line delta ops (issue 19): for random bases, current versions and
/// chains of relative entries built as push builds them, the composed record decodes (md5 checked)
/// to exactly the version's contents; hostile entries are refused (null: the long way reports them).
/// </summary>
public class LineDeltaComposerTests
{
    private const long Now = 1_700_000_000_000;

    [Fact]
    public void Random_chains_compose_into_records_that_decode_to_each_version()
    {
        var random = new Random(19);
        var composed = 0;
        for (var round = 0; round < 1500; round++)
        {
            var chain = RandomChain(random);
            using var set = new CompressionDictionaries();
            set.Bases.Add(chain.Base);
            using var decoder = new RecordDecoder(set) { CheckMd5 = true };
            for (var depth = 1; depth <= chain.Entries.Count; depth++)
            {
                var record = LineDeltaComposer.TryCompose(chain.Current, chain.Entries, depth, set.Bases);
                // The writer's entries are relative unless the old record was smaller: then, and only then, none.
                Assert.Equal(chain.Relative.Take(depth).All(r => r), record is not null);
                if (record is null)
                {
                    break;
                }
                composed++;
                Assert.True(decoder.TryDecode(record, out var header, out var contents, out var error), $"round {round}, depth {depth}: {error}");
                Assert.Equal(chain.Contents[depth], contents.ToArray());
                Assert.Equal(PayloadCodec.LineDelta, header.Codec);
                Assert.Equal(RecordFlags.None, header.Flags);
                Assert.Equal(chain.Base.Id, header.DictionaryId);
                Assert.Equal(Time(depth), header.InsertedUnixMs);
                Assert.Equal(Stat(depth), header.Stat);
                AssertCanonical(chain.Base, record[RecordHeader.Size..]);
            }
        }
        Assert.True(composed > 2000, $"{composed} composed");
    }

    [Fact]
    public void The_as_of_stage_hands_on_the_composed_record_and_the_same_version_the_long_way()
    {
        var random = new Random(7);
        for (var round = 0; round < 300; round++)
        {
            var chain = RandomChain(random);
            using var set = new CompressionDictionaries();
            set.Bases.Add(chain.Base);
            using var decoder = new RecordDecoder(set);
            var versionChain = new VersionChain(decoder);
            using var check = new RecordDecoder(set) { CheckMd5 = true };
            for (var depth = 1; depth <= chain.Entries.Count; depth++)
            {
                var at = VersionAtTime.FromRecords(versionChain, chain.Current, chain.Entries, Time(depth));
                Assert.Equal(AsOfOutcome.Replaced, at.Outcome);
                Assert.True(check.TryDecode(at.Record, out var header, out var contents, out var error), error);
                Assert.Equal(chain.Contents[depth], contents.ToArray());
                var composed = chain.Relative.Take(depth).All(r => r);
                Assert.Equal(composed, header.Codec == PayloadCodec.LineDelta);
                // The long way gives the same version with the same header fields a query shows.
                var rebuilt = VersionAtTime.Rebuilt(versionChain, chain.Current, chain.Entries, Time(depth));
                Assert.True(check.TryDecode(rebuilt.Record, out var rebuiltHeader, out contents, out error), error);
                Assert.Equal(chain.Contents[depth], contents.ToArray());
                Assert.Equal((rebuiltHeader.Md5, rebuiltHeader.InsertedUnixMs, rebuiltHeader.Stat, rebuiltHeader.RawLength, rebuiltHeader.Lines, rebuiltHeader.Words, rebuiltHeader.Characters),
                    (header.Md5, header.InsertedUnixMs, header.Stat, header.RawLength, header.Lines, header.Words, header.Characters));
            }
        }
    }

    [Fact]
    public void Composition_is_refused_where_it_does_not_apply()
    {
        var chain = FixedChain();
        using var set = new CompressionDictionaries();
        Assert.Null(LineDeltaComposer.TryCompose(chain.Current, chain.Entries, 1, set.Bases));
        set.Bases.Add(chain.Base);
        Assert.NotNull(LineDeltaComposer.TryCompose(chain.Current, chain.Entries, 2, set.Bases));
        // The current record of another codec, a self-contained entry on the way, a depth past the list.
        var lz4 = RecordEncoder.Encode(chain.Contents[0], Stat(0), Now, PayloadCodec.Lz4);
        Assert.Null(LineDeltaComposer.TryCompose(lz4, chain.Entries, 1, set.Bases));
        var selfContained = RecordEncoder.Encode(chain.Contents[1], Stat(1), Time(1), PayloadCodec.None);
        Assert.Null(LineDeltaComposer.TryCompose(chain.Current, [selfContained, chain.Entries[1]], 2, set.Bases));
        Assert.Null(LineDeltaComposer.TryCompose(chain.Current, chain.Entries, 3, set.Bases));
        Assert.Null(LineDeltaComposer.TryCompose(chain.Current, chain.Entries, 0, set.Bases));
    }

    [Theory]
    [InlineData("wrong base line count")]
    [InlineData("copy past the end")]
    [InlineData("edit keeps past its line")]
    [InlineData("lines left over")]
    [InlineData("raw length")]
    [InlineData("payload checksum")]
    [InlineData("unknown flag")]
    public void Hostile_entries_are_refused_and_the_long_way_reports_them(string damage)
    {
        var chain = FixedChain();
        using var set = new CompressionDictionaries();
        set.Bases.Add(chain.Base);
        // Version 1 has 4 lines ("a = 1", "b = 22", "c = 3", "d = 4"); version 2 is written against them.
        var hurt = damage switch
        {
            "wrong base line count" => WithPayload(chain.Entries[1], [5, 0, (4 << 2) | 0, (1 << 2) | 0]),
            "copy past the end" => WithPayload(chain.Entries[1], [4, 0, (5 << 2) | 0]),
            "edit keeps past its line" => WithPayload(chain.Entries[1], [4, 0, (1 << 2) | 3, 7, 0, (3 << 2) | 0]),
            "lines left over" => WithPayload(chain.Entries[1], [4, 0, (3 << 2) | 0]),
            "raw length" => WithHeader(chain.Entries[1], h => h with { RawLength = h.RawLength + 1 }),
            "payload checksum" => WithHeader(chain.Entries[1], h => h with { PayloadChecksum = h.PayloadChecksum + 1 }),
            _ => WithPayload(chain.Entries[1], [4, 2, (4 << 2) | 0]),
        };
        List<ReadOnlyMemory<byte>> entries = [chain.Entries[0], hurt];
        Assert.Null(LineDeltaComposer.TryCompose(chain.Current, entries, 2, set.Bases));
        using var decoder = new RecordDecoder(set);
        var at = VersionAtTime.FromRecords(new VersionChain(decoder), chain.Current, entries, Time(2));
        Assert.Equal(AsOfOutcome.Unreadable, at.Outcome);
        Assert.StartsWith("version 2: ", at.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_entry_whose_ops_lie_about_its_md5_gives_a_record_every_decoding_reader_refuses()
    {
        var chain = FixedChain();
        using var set = new CompressionDictionaries();
        set.Bases.Add(chain.Base);
        // Well-formed ops and the right length, other contents than the md5 says: no md5 is taken on this path.
        var lying = WithHeader(chain.Entries[1], h => h with { Md5 = RecordEncoder.Md5Of("other\n"u8) });
        var record = LineDeltaComposer.TryCompose(chain.Current, [chain.Entries[0], lying], 2, set.Bases);
        Assert.NotNull(record);
        using var decoder = new RecordDecoder(set) { CheckMd5 = true };
        Assert.False(decoder.TryDecode(record, out _, out _, out var error));
        Assert.Equal("contents do not match the header's md5", error);
    }

    [Fact]
    public void Edits_of_edited_and_inserted_lines_keep_their_literal_bytes()
    {
        var lineBase = new LineBase(Bytes("alpha = 1\nbeta = 2\ngamma = 3\n"));
        // Current: beta edited, a line inserted. Version 1: the edited beta edited again past its
        // kept prefix, the inserted line edited, gamma (a copy) edited. Version 2: beta and gamma
        // edited back to the base's, the inserted line edited again.
        string[] versions =
        [
            "alpha = 1\nbeta = 20000\nnew line\ngamma = 3\n",
            "alpha = 1\nbeta = 200\nnew lime\ngamma = 3x\n",
            "alpha = 1\nbeta = 2\nnew\ngamma = 3",
        ];
        var chain = Build(lineBase, versions.Select(Bytes).ToList());
        using var set = new CompressionDictionaries();
        set.Bases.Add(lineBase);
        using var decoder = new RecordDecoder(set) { CheckMd5 = true };
        for (var depth = 1; depth < versions.Length; depth++)
        {
            Assert.True(chain.Relative[depth - 1]);
            var record = LineDeltaComposer.TryCompose(chain.Current, chain.Entries, depth, set.Bases);
            Assert.NotNull(record);
            Assert.True(decoder.TryDecode(record, out _, out var contents, out var error), error);
            Assert.Equal(versions[depth], Encoding.UTF8.GetString(contents));
            AssertCanonical(lineBase, record[RecordHeader.Size..]);
        }
        // The last: lines as the base has them are copies again, the inserted one an insert.
        var last = LineDeltaComposer.TryCompose(chain.Current, chain.Entries, 2, set.Bases)!;
        Assert.Equal([3, 1, (2 << 2) | 0, (1 << 2) | 2, 3, (byte)'n', (byte)'e', (byte)'w', (1 << 2) | 0], last[RecordHeader.Size..]);
    }

    /// <summary>
    /// What the encoder's form promises a reader: no op of 0 lines, no two neighbouring ops alike, no
    /// edit that leaves its base line as it is, every edit keeping its whole common prefix.
    /// </summary>
    private static void AssertCanonical(LineBase lineBase, ReadOnlySpan<byte> payload)
    {
        Assert.True(LineDeltaReader.TryOpen(payload, lineBase, out var reader, out var error), error);
        LineDeltaOp? last = null;
        while (reader.TryNext(out var op, out var count))
        {
            Assert.NotEqual(last, op);
            last = op;
            for (var k = 0; k < count && op is LineDeltaOp.Insert or LineDeltaOp.Edit; k++)
            {
                if (op == LineDeltaOp.Insert)
                {
                    Assert.True(reader.TryInsert(out _));
                    continue;
                }
                var baseLine = lineBase.Line(reader.BaseLine);
                Assert.True(reader.TryEdit(out var kept, out var tail));
                Assert.False(kept == baseLine.Length && tail.IsEmpty, "an edit that copies");
                Assert.True(kept == baseLine.Length || tail.IsEmpty || tail[0] != baseLine[kept], "an edit keeping less than the common prefix");
            }
        }
        Assert.True(reader.TryFinish(out error), error);
    }

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private static long Time(int age) => Now - (age * 3_600_000L);

    private static FileStat Stat(int age) => new(0x81A4, (uint)age, 0, age, 1_600_000_000 + age);

    private sealed record Chain(LineBase Base, byte[] Current, List<ReadOnlyMemory<byte>> Entries, List<byte[]> Contents, List<bool> Relative);

    /// <summary>Base "a = 1".."d = 4"; current "b = 2" → "b = 22"; version 1 the same; version 2 "c = 3" → "c = 333".</summary>
    private static Chain FixedChain() => Build(
        new LineBase(Bytes("a = 1\nb = 2\nc = 3\nd = 4\n")),
        [Bytes("a = 1\nb = 22\nc = 3\nd = 4\n"), Bytes("a = 1\nb = 22\nc = 3\nd = 4\n"), Bytes("a = 1\nb = 22\nc = 333\nd = 4\n")]);

    /// <summary>A base, a current version near it and 1–4 older ones, each a few lines off the next newer.</summary>
    private static Chain RandomChain(Random random)
    {
        var lines = RandomLines(random);
        var lineBase = new LineBase(Bytes(Join(lines, random)));
        var versions = new List<byte[]>();
        var count = random.Next(2, 6);
        for (var i = 0; i < count; i++)
        {
            lines = Mutate(random, lines);
            versions.Add(Bytes(Join(lines, random)));
        }
        return Build(lineBase, versions);
    }

    /// <summary>The current record against the base, and each older version's entry as push builds it.</summary>
    private static Chain Build(LineBase lineBase, List<byte[]> versions)
    {
        var current = RecordEncoder.EncodeLineDelta(versions[0], Stat(0), Time(0), new LineDeltaEncoder(lineBase));
        var entries = new List<ReadOnlyMemory<byte>>();
        var relative = new List<bool>();
        for (var i = 1; i < versions.Count; i++)
        {
            var old = RecordEncoder.Encode(versions[i], Stat(i), Time(i), i % 2 == 0 ? PayloadCodec.None : PayloadCodec.Lz4);
            Assert.True(RecordHeader.TryRead(old, out var header, out _));
            var entry = VersionEntry.Build(old, header, versions[i], versions[i - 1], newerHasContents: true);
            Assert.True(RecordHeader.TryRead(entry, out var entryHeader, out _, versionEntry: true));
            entries.Add(entry);
            relative.Add((entryHeader.Flags & RecordFlags.Relative) != 0);
        }
        return new Chain(lineBase, current, entries, versions, relative);
    }

    private static List<string> RandomLines(Random random)
    {
        var count = random.Next(8) == 0 ? random.Next(0, 3) : random.Next(3, 60);
        return [.. Enumerable.Range(0, count).Select(i => random.Next(10) == 0 ? "" : random.Next(8) == 0 ? "dup = 1" : $"net.k{i} = {random.Next(1000)}")];
    }

    /// <summary>Lines inserted, removed, lengthened, shortened, changed in the middle or replaced.</summary>
    private static List<string> Mutate(Random random, List<string> lines)
    {
        var result = lines.ToList();
        for (var n = random.Next(0, 5); n > 0; n--)
        {
            var at = random.Next(result.Count + 1);
            var line = at < result.Count ? result[at] : "";
            switch (random.Next(6))
            {
                case 0:
                    result.Insert(at, $"new.{random.Next(100)} = {random.Next(100)}");
                    break;
                case 1 when at < result.Count:
                    result.RemoveAt(at);
                    break;
                case 2 when at < result.Count:
                    result[at] = line + random.Next(100);
                    break;
                case 3 when at < result.Count && line.Length > 0:
                    result[at] = line[..random.Next(line.Length)];
                    break;
                case 4 when at < result.Count && line.Length > 0:
                    var i = random.Next(line.Length);
                    result[at] = line[..i] + (char)('a' + random.Next(26)) + line[(i + 1)..];
                    break;
                case 5 when at < result.Count:
                    result[at] = $"other {random.Next(100)}";
                    break;
            }
        }
        return result;
    }

    /// <summary>The lines, the last without its <c>\n</c> now and then.</summary>
    private static string Join(List<string> lines, Random random) =>
        lines.Count == 0 ? "" : string.Join('\n', lines) + (random.Next(4) == 0 && lines[^1].Length > 0 ? "" : "\n");

    private static byte[] WithPayload(ReadOnlyMemory<byte> entry, byte[] payload)
    {
        Assert.True(RecordHeader.TryRead(entry.Span, out var header, out _, versionEntry: true));
        var hurt = new byte[RecordHeader.Size + payload.Length];
        payload.CopyTo(hurt, RecordHeader.Size);
        (header with { PayloadLength = payload.Length, PayloadChecksum = XxHash3.HashToUInt64(payload) }).WriteTo(hurt);
        return hurt;
    }

    private static byte[] WithHeader(ReadOnlyMemory<byte> entry, Func<RecordHeader, RecordHeader> change)
    {
        Assert.True(RecordHeader.TryRead(entry.Span, out var header, out _, versionEntry: true));
        var hurt = entry.ToArray();
        change(header).WriteTo(hurt);
        return hurt;
    }
}
