using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.RegularExpressions;
using SysopsFast.Format;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>
/// The test vectors, tables and constants are read from docs/FORMAT.md itself, so the document a
/// third party writes a reader from cannot drift from the code.
/// </summary>
public partial class FormatVectorTests
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "FORMAT.md")).ReplaceLineEndings("\n");

    /// <summary>Every <c>#### `name`</c> followed by a hex block: vectors and dictionaries.</summary>
    private static readonly Dictionary<string, byte[]> Blocks = HexBlock().Matches(Doc)
        .ToDictionary(m => m.Groups[1].Value, m => Convert.FromHexString(m.Groups[2].Value.Replace("\n", "", StringComparison.Ordinal)), StringComparer.Ordinal);

    private static readonly FileStat CommonStat = new(0x81A4, 0, 0, 0, 1_700_000_000);
    private const long Inserted = 1_700_000_000_123;

    public static TheoryData<string> PositiveNames => [.. Positives().Select(p => p.Name)];

    public static TheoryData<string> WrittenNames => [.. Positives().Where(p => p.Written).Select(p => p.Name)];

    public static TheoryData<string> NegativeNames => [.. Negatives().Select(n => n.Name)];

    public static TheoryData<string> CountedContents => [.. Table("### Count examples").Select(r => r[0])];

    [Theory]
    [MemberData(nameof(PositiveNames))]
    public void Positive_vector_decodes_to_its_row(string name)
    {
        var row = Positives().Single(p => p.Name == name);
        foreach (var checkMd5 in new[] { false, true })
        {
            using var dictionaries = Loaded();
            using var decoder = new RecordDecoder(dictionaries) { CheckMd5 = checkMd5 };
            Assert.True(decoder.TryDecode(Blocks[name], out var h, out var content, out var error), error);
            Assert.Equal(Contents(row.Contents), content.ToArray());
            Assert.Equal(row.Codec, h.Codec);
            Assert.Equal(row.Flags, (ushort)h.Flags);
            Assert.Equal(row.Dictionary is null ? 0 : DictionaryId(row.Dictionary), h.DictionaryId);
            Assert.Equal(row.RawLength, h.RawLength);
            Assert.Equal(row.Md5, h.Md5.ToString("x32", CultureInfo.InvariantCulture));
            Assert.Equal((row.Characters, row.Lines, row.Words), (h.Characters, h.Lines, h.Words));
            Assert.Equal(CommonStat with { Size = row.Size }, h.Stat);
            Assert.Equal(Inserted, h.InsertedUnixMs);
        }
    }

    [Theory]
    [MemberData(nameof(WrittenNames))]
    public void The_writer_makes_the_vector_bytes(string name)
    {
        var row = Positives().Single(p => p.Name == name);
        var stat = CommonStat with { Size = row.Size };
        byte[] record;
        if (row.Contents == "omitted")
        {
            // What push and import write for an object over the cap: counted a piece at a time, never held whole.
            var summary = Summary(Repeated("y\n"u8, row.RawLength));
            Assert.Equal((row.RawLength, row.Md5, row.Characters, row.Lines, row.Words), (summary.Length, summary.Md5.ToString("x32", CultureInfo.InvariantCulture), summary.Characters, summary.Lines, summary.Words));
            record = RecordEncoder.EncodeOmitted(summary, stat, Inserted);
        }
        else if (row.Codec == PayloadCodec.LineDelta)
        {
            record = RecordEncoder.EncodeLineDelta(Contents(row.Contents), stat, Inserted, new LineDeltaEncoder(Base(row.Dictionary!)))!;
        }
        else
        {
            using var dictionary = row.Dictionary is null ? null : new CompressionDictionary(Blocks[row.Dictionary]);
            record = RecordEncoder.Encode(Contents(row.Contents), stat, Inserted, row.Codec, dictionary: dictionary);
        }
        Assert.Equal(Convert.ToHexString(Blocks[name]), Convert.ToHexString(record));
    }

    [Theory]
    [MemberData(nameof(NegativeNames))]
    public void Negative_vector_is_refused_at_its_check_with_its_reason(string name)
    {
        var row = Negatives().Single(n => n.Name == name);
        using var dictionaries = name switch { "dictionary-damaged" => WithDamagedD1(), "base-damaged" => WithDamagedB1(), _ => Loaded() };
        using var decoder = new RecordDecoder(dictionaries) { CheckMd5 = true };
        Assert.False(decoder.TryDecode(Blocks[name], out _, out _, out var error));
        Assert.Equal(row.Reason, error);

        // Header-only reads (search --md5sum, list-files, verify) run checks 1-8 on the first 120 bytes.
        var value = Blocks[name];
        var headerOk = RecordHeader.TryRead(value.AsSpan(0, Math.Min(value.Length, RecordHeader.Size)), out _, out var headerError);
        Assert.Equal(row.Check > 8, headerOk);
        Assert.Equal(row.Check > 8 ? null : row.Reason, headerError);
    }

    [Fact]
    public void A_wrong_md5_is_read_as_its_payload_says_where_md5_is_not_checked()
    {
        using var dictionaries = Loaded();
        using var decoder = new RecordDecoder(dictionaries);
        Assert.True(decoder.TryDecode(Blocks["md5-mismatch"], out _, out var content, out var error), error);
        Assert.Equal("hello\n"u8.ToArray(), content.ToArray());
    }

    [Fact]
    public void Negative_vectors_fail_every_check_in_the_documented_order()
    {
        Assert.Equal(Enumerable.Range(1, 14), Negatives().Select(n => n.Check).Distinct());
        Assert.Equal(Enumerable.Range(1, 14), ReadingCheck().Matches(Section("## Reading never trusts the header")).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Every_hex_block_is_in_one_table_and_every_row_has_its_block()
    {
        var named = Positives().Select(p => p.Name).Concat(Negatives().Select(n => n.Name)).Concat(Table("### Dictionaries").Select(r => r[0])).Concat(Table("### Bases").Select(r => r[0])).Concat(Table("### History vectors").Select(r => r[0])).ToList();
        Assert.Equal(named.Count, named.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(named.Order(StringComparer.Ordinal), Blocks.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Dictionary_ids_are_derived_as_documented_and_frames_carry_the_zdict_id()
    {
        foreach (var row in Table("### Dictionaries"))
        {
            var bytes = Blocks[row[0]];
            Assert.Equal(int.Parse(row[1], CultureInfo.InvariantCulture), bytes.Length);
            Assert.Equal(row[2], CompressionDictionary.IdOf(bytes).ToString("x8", CultureInfo.InvariantCulture));
            Assert.Equal(row[2], ((uint)XxHash3.HashToUInt64(bytes)).ToString("x8", CultureInfo.InvariantCulture));
            var zdict = bytes.AsSpan(0, 4).SequenceEqual(ZdictMagic) ? BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)).ToString("x8", CultureInfo.InvariantCulture) : "none";
            Assert.Equal(row[3], zdict);
        }
        foreach (var row in Positives().Where(p => p.Dictionary is not null && p.Codec == PayloadCodec.ZstdDictionary))
        {
            var zdict = Table("### Dictionaries").Single(r => r[0] == row.Dictionary)[3];
            var inFrame = FrameDictionaryId(Blocks[row.Name].AsSpan(RecordHeader.Size));
            Assert.Equal(zdict == "none" ? 0 : uint.Parse(zdict, NumberStyles.HexNumber, CultureInfo.InvariantCulture), inFrame);
            Assert.NotEqual(DictionaryId(row.Dictionary!), inFrame);
        }
    }

    [Fact]
    public void Bases_are_stored_as_documented_and_their_ids_are_of_their_contents()
    {
        foreach (var row in Table("### Bases"))
        {
            using var decoder = new RecordDecoder { CheckMd5 = true };
            Assert.True(decoder.TryDecode(Blocks[row[0]], out var header, out var contents, out var error), error);
            Assert.Equal(row[1], ((byte)header.Codec).ToString(CultureInfo.InvariantCulture));
            Assert.Equal(int.Parse(row[2], CultureInfo.InvariantCulture), contents.Length);
            Assert.Equal(row[3], ((uint)XxHash3.HashToUInt64(contents)).ToString("x8", CultureInfo.InvariantCulture));
            Assert.Null(LineBases.Read(DictionaryId(row[0]), Blocks[row[0]], -1, out var lineBase));
            Assert.Equal(Convert.ToHexString(Blocks[row[0]]), Convert.ToHexString(lineBase!.ToRecord()));
        }
    }

    [Theory]
    [MemberData(nameof(CountedContents))]
    public void Counts_are_as_documented_whole_and_a_byte_at_a_time(string hex)
    {
        var row = Table("### Count examples").Single(r => r[0] == hex);
        var expected = (long.Parse(row[1], CultureInfo.InvariantCulture), long.Parse(row[2], CultureInfo.InvariantCulture), long.Parse(row[3], CultureInfo.InvariantCulture));
        var bytes = Convert.FromHexString(hex);
        Assert.Equal(expected, RecordEncoder.Count(bytes));
        using var counter = new ContentCounter();
        foreach (var b in bytes)
        {
            counter.Add([b]);
        }
        var summary = counter.Complete();
        Assert.Equal(expected, (summary.Characters, summary.Lines, summary.Words));
    }

    [Fact]
    public void The_documented_checksum_of_the_empty_payload_is_xxh3_with_seed_0()
    {
        var stated = EmptyChecksum().Match(Doc);
        Assert.True(stated.Success, "FORMAT.md no longer states the empty payload's checksum");
        Assert.Equal(stated.Groups[1].Value, XxHash3.HashToUInt64([], seed: 0).ToString("x16", CultureInfo.InvariantCulture));
        Assert.Equal(stated.Groups[1].Value, BinaryPrimitives.ReadUInt64LittleEndian(Blocks["none-empty"].AsSpan(104)).ToString("x16", CultureInfo.InvariantCulture));
    }

    [Fact]
    public void The_audit_fields_are_documented_in_the_order_they_are_written()
    {
        var entry = new Query.AuditEntry { OsUser = "alice", ClientHost = "admin01", Command = "grep x", Seconds = 0.1616 };
        Assert.Equal(Table("## Audit trail").Select(r => r[0]), entry.Fields().Select(f => f.Key));
        Assert.Equal("0.162", entry.Fields().Single(f => f.Key == "seconds").Value);
    }

    [Fact]
    public void The_audit_command_examples_are_what_is_recorded()
    {
        var examples = Table("## Audit trail", which: 1);
        Assert.NotEmpty(examples);
        foreach (var row in examples)
        {
            var arguments = System.Text.Json.JsonSerializer.Deserialize<string[]>(row[0])!;
            Assert.Equal(row[1], Query.AuditEntry.Redact(arguments));
        }
    }

    private sealed record PositiveRow(string Name, PayloadCodec Codec, ushort Flags, string? Dictionary, long RawLength, string Md5, long Characters, long Lines, long Words, long Size, string Contents, bool Written);

    private sealed record NegativeRow(string Name, int Check, string Reason);

    private static List<PositiveRow> Positives() => [.. Table("### Positive vectors").Select(r => new PositiveRow(
        r[0], (PayloadCodec)byte.Parse(r[1], CultureInfo.InvariantCulture), ushort.Parse(r[2].AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
        r[3] == "–" ? null : r[3], Number(r[4]), r[5], Number(r[6]), Number(r[7]), Number(r[8]), Number(r[9]), r[10], r[11] == "yes"))];

    private static List<NegativeRow> Negatives() => [.. Table("### Negative vectors").Select(r => new NegativeRow(r[0], int.Parse(r[1], CultureInfo.InvariantCulture), r[3]))];

    private static long Number(string cell) => long.Parse(cell, CultureInfo.InvariantCulture);

    /// <summary>
    /// The rows of a table in the section under <paramref name="heading"/> (the first, or the one
    /// <paramref name="which"/> says): cells trimmed, their backticks removed.
    /// </summary>
    private static List<string[]> Table(string heading, int which = 0)
    {
        var lines = Section(heading).Split('\n');
        var tables = lines.Select((line, i) => (line, i)).Where(l => l.line.StartsWith('|') && (l.i == 0 || !lines[l.i - 1].StartsWith('|'))).ToList();
        Assert.True(tables.Count > which, $"FORMAT.md's '{heading}' has no table {which}");
        return
        [
            .. lines.Skip(tables[which].i).TakeWhile(l => l.StartsWith('|')).Skip(2)
                .Select(l => l.Trim().Trim('|').Split('|').Select(c => Unquote(c.Trim())).ToArray()),
        ];
    }

    private static string Unquote(string cell) => cell.Length > 1 && cell[0] == '`' && cell[^1] == '`' ? cell[1..^1] : cell;

    /// <summary>The text from <paramref name="heading"/> to the next heading of its level or above.</summary>
    private static string Section(string heading)
    {
        var start = Doc.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"FORMAT.md has no section '{heading}'");
        var level = heading.IndexOf(' ', StringComparison.Ordinal);
        var next = new Regex($"\n#{{1,{level}}} ").Match(Doc, start + heading.Length + 2);
        return next.Success ? Doc[start..next.Index] : Doc[start..];
    }

    private static byte[] Sample() => Encoding.UTF8.GetBytes(SampleText().Match(Doc).Groups[1].Value);

    /// <summary>A row's contents: the sample, the sample without its last newline, or empty.</summary>
    private static byte[] Contents(string cell) => cell switch
    {
        "sample" => Sample(),
        "sample-unterminated" => Sample()[..^1],
        _ => [],
    };

    /// <summary>A dictionary's id (its table's column 2) or a base's (column 3).</summary>
    private static uint DictionaryId(string name) => uint.Parse(
        Table("### Dictionaries").SingleOrDefault(r => r[0] == name)?[2] ?? Table("### Bases").Single(r => r[0] == name)[3],
        NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static LineBase Base(string name)
    {
        Assert.Null(LineBases.Read(DictionaryId(name), Blocks[name], -1, out var lineBase));
        return lineBase!;
    }

    private static CompressionDictionaries Loaded() => Load(Blocks["D1"]);

    /// <summary><c>D1</c>'s id holding <c>D1</c> with its last byte changed, as the negative vector says.</summary>
    private static CompressionDictionaries WithDamagedD1()
    {
        var damaged = (byte[])Blocks["D1"].Clone();
        damaged[^1] ^= 1;
        return Load(damaged);
    }

    /// <summary><c>B1</c>'s id holding the record of <c>B1</c>'s contents with their last byte changed, as the negative vector says.</summary>
    private static CompressionDictionaries WithDamagedB1()
    {
        var contents = Base("B1").Contents.ToArray();
        contents[^1] ^= 1;
        return Load(Blocks["D1"], new LineBase(contents).ToRecord());
    }

    private static CompressionDictionaries Load(byte[] d1, byte[]? b1 = null)
    {
        var set = new CompressionDictionaries();
        set.TryAdd(DictionaryId("D1"), d1);
        Assert.True(set.TryAdd(DictionaryId("D2"), Blocks["D2"]));
        Assert.Equal(b1 is null, set.Bases.TryAdd(DictionaryId("B1"), b1 ?? Blocks["B1"]));
        return set;
    }

    private static ReadOnlySpan<byte> ZdictMagic => [0x37, 0xA4, 0x30, 0xEC];

    /// <summary>The dictionary id field of a zstd frame header (RFC 8878, 3.1.1.1); 0 when absent.</summary>
    private static uint FrameDictionaryId(ReadOnlySpan<byte> frame)
    {
        Assert.True(frame[..4].SequenceEqual((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD]), "not a zstd frame");
        var descriptor = frame[4];
        var at = (descriptor & 0x20) != 0 ? 5 : 6; // no window descriptor in a single-segment frame
        return (descriptor & 3) switch
        {
            0 => 0,
            1 => frame[at],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(frame[at..]),
            _ => BinaryPrimitives.ReadUInt32LittleEndian(frame[at..]),
        };
    }

    private static IEnumerable<byte[]> Repeated(ReadOnlySpan<byte> unit, long length)
    {
        var piece = new byte[unit.Length << 16];
        for (var i = 0; i < piece.Length; i += unit.Length)
        {
            unit.CopyTo(piece.AsSpan(i));
        }
        return Pieces(piece, length);

        static IEnumerable<byte[]> Pieces(byte[] piece, long length)
        {
            for (var left = length; left > 0; left -= piece.Length)
            {
                yield return left >= piece.Length ? piece : piece[..(int)left];
            }
        }
    }

    private static ContentSummary Summary(IEnumerable<byte[]> pieces)
    {
        using var counter = new ContentCounter();
        foreach (var piece in pieces)
        {
            counter.Add(piece);
        }
        return counter.Complete();
    }

    [GeneratedRegex("^#### `([A-Za-z0-9-]+)`\\n\\n```hex\\n([0-9a-f\\n]+)```", RegexOptions.Multiline)]
    private static partial Regex HexBlock();

    [GeneratedRegex("```text\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex SampleText();

    [GeneratedRegex("^(\\d+)\\. ", RegexOptions.Multiline)]
    private static partial Regex ReadingCheck();

    [GeneratedRegex("empty payload's is `([0-9a-f]{16})`")]
    private static partial Regex EmptyChecksum();
}
