using System.Text;
using SysopsFast.Fleet;
using SysopsFast.Format;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>
/// The line delta payload (codec 4): round trips against a base, the exact bytes of a small one,
/// and hostile payloads (every truncation, random byte changes, lying counts), which must read as
/// corrupt with a reason or give exactly the raw length, never throw nor write past it.
/// </summary>
public class LineDeltaTests
{
    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Host <paramref name="host"/>'s object <paramref name="objectIndex"/> of the generator's fleet.</summary>
    private static byte[] Generated(SyntheticFleet fleet, int host, int objectIndex)
    {
        var text = new TextBuffer();
        fleet.Write(host, objectIndex, text);
        return text.Span.ToArray();
    }

    private static byte[] Decode(LineBase lineBase, byte[] payload, int rawLength)
    {
        var output = new byte[rawLength];
        Assert.True(LineDeltaDecoder.TryDecode(lineBase, payload, output, out var error), error);
        return output;
    }

    [Fact]
    public void Every_generated_object_round_trips_against_another_hosts_version()
    {
        var fleet = new SyntheticFleet(60, seed: 1);
        for (var o = 0; o < SyntheticFleet.ObjectNames.Length; o++)
        {
            var encoder = new LineDeltaEncoder(new LineBase(Generated(fleet, 0, o)));
            for (var h = 1; h < fleet.Hosts; h++)
            {
                var contents = Generated(fleet, h, o);
                var payload = encoder.Encode(contents);
                Assert.NotNull(payload);
                Assert.Equal(contents, Decode(encoder.Base, payload, contents.Length));
            }
        }
    }

    [Fact]
    public void A_sysctl_a_stores_only_its_host_specific_values()
    {
        var fleet = new SyntheticFleet(30, seed: 1);
        var encoder = new LineDeltaEncoder(new LineBase(Generated(fleet, 0, 0)));
        var contents = Generated(fleet, 7, 0);
        var payload = encoder.Encode(contents)!;
        Assert.True(contents.Length > 40_000, $"{contents.Length} bytes");
        Assert.True(payload.Length < 600, $"{payload.Length} payload bytes for {contents.Length} of contents");
    }

    public static TheoryData<string, string> EdgeCases => new()
    {
        { "", "" },
        { "", "a\nb\n" },
        { "a\nb\n", "" },
        { "a\nb", "a\nb" },
        { "a\nb", "a\nb\n" },
        { "a\nb\n", "a\nb" },
        { "a", "a\n" },
        { "\n\n\n", "\n\n" },
        { "x = 1\n\ny = 2\n", "x = 1\ny = 2\n\n" },
        { "same\nsame\nsame\n", "same\nother\nsame\nsame\nsame\n" },
        { "k = v\r\nl = w\r\n", "k = v\r\nl = W\r\n" },
        { "one line without newline", "one line without newline, longer" },
        { "abc\n", "\u00e9\u00e8\n\u4e2d\u6587\n" },
        { "kernel.a = 1\nkernel.b = 2\nkernel.c = 3\n", "kernel.a = 10\nkernel.b = 20\nkernel.c = 30\nkernel.d = 4" },
    };

    [Theory]
    [MemberData(nameof(EdgeCases))]
    public void Edge_cases_round_trip_and_need_exactly_their_length(string baseText, string text)
    {
        var encoder = new LineDeltaEncoder(new LineBase(Bytes(baseText)));
        var contents = Bytes(text);
        var payload = encoder.Encode(contents)!;
        Assert.NotNull(payload);
        Assert.Equal(contents, Decode(encoder.Base, payload, contents.Length));
        Assert.False(LineDeltaDecoder.TryDecode(encoder.Base, payload, new byte[contents.Length + 1], out var longer));
        Assert.NotNull(longer);
        if (contents.Length > 0)
        {
            Assert.False(LineDeltaDecoder.TryDecode(encoder.Base, payload, new byte[contents.Length - 1], out var shorter));
            Assert.NotNull(shorter);
        }
    }

    [Fact]
    public void Binary_contents_round_trip()
    {
        var random = new Random(3);
        var baseBytes = new byte[5000];
        random.NextBytes(baseBytes);
        var contents = (byte[])baseBytes.Clone();
        for (var i = 0; i < 50; i++)
        {
            contents[random.Next(contents.Length)] = (byte)random.Next(256);
        }
        var encoder = new LineDeltaEncoder(new LineBase(baseBytes));
        var payload = encoder.Encode(contents)!;
        Assert.Equal(contents, Decode(encoder.Base, payload, contents.Length));
    }

    [Fact]
    public void A_changed_value_is_an_edit_keeping_its_key()
    {
        var lineBase = new LineBase(Bytes("a = 1\nb = 2\nc = 3\n"));
        var payload = new LineDeltaEncoder(lineBase).Encode(Bytes("a = 1\nb = 9\nc = 3\n"));
        // 3 base lines, flags 0; copy 1 (1<<2|0); edit 1 (1<<2|3): keep 4, tail of 1 byte "9"; copy 1.
        Assert.Equal(new byte[] { 3, 0, 0x04, 0x07, 4, 1, (byte)'9', 0x04 }, payload);
    }

    [Fact]
    public void Reader_walks_ops_and_tracks_the_base_line()
    {
        var lineBase = new LineBase(Bytes("a = 1\nb = 2\nc = 3\nd = 4"));
        var payload = new LineDeltaEncoder(lineBase).Encode(Bytes("a = 1\nb = 7\nnew\nd = 4"))!;
        Assert.True(LineDeltaReader.TryOpen(payload, lineBase, out var reader, out var error), error);
        Assert.True(reader.Unterminated);
        var walk = new List<string>();
        while (reader.TryNext(out var op, out var count))
        {
            walk.Add($"{op} {count} @{reader.BaseLine}");
            for (var k = 0; k < count && op is LineDeltaOp.Insert or LineDeltaOp.Edit; k++)
            {
                if (op == LineDeltaOp.Insert)
                {
                    Assert.True(reader.TryInsert(out var line));
                    walk.Add(Encoding.UTF8.GetString(line));
                }
                else
                {
                    var baseLine = reader.BaseLine;
                    Assert.True(reader.TryEdit(out var kept, out var tail));
                    walk.Add(Encoding.UTF8.GetString(lineBase.Line(baseLine)[..kept]) + "|" + Encoding.UTF8.GetString(tail));
                }
            }
        }
        Assert.True(reader.TryFinish(out error), error);
        Assert.Equal(new[] { "Copy 1 @1", "Edit 2 @1", "b = |7", "|new", "Copy 1 @4" }, walk);
    }

    public static TheoryData<string> CollidingHashes => ["every line the same hash", "hash = line length"];

    private static LineHash Colliding(string kind) => kind == "every line the same hash" ? static _ => 42 : static line => (ulong)line.Length;

    [Theory]
    [MemberData(nameof(CollidingHashes))]
    public void Lines_whose_hashes_collide_are_never_copied_for_each_other(string kind)
    {
        // "b = 2" and "b = 9" share a hash (both ways): an encoder trusting hashes would copy the base's line.
        var lineBase = new LineBase(Bytes("a = 1\nb = 2\nc = 3\na = 1\n"));
        var contents = Bytes("a = 1\nb = 9\nc = 3\nc = 3\nx = 1\n");
        var payload = new LineDeltaEncoder(lineBase, Colliding(kind)).Encode(contents);
        Assert.Equal(contents, Decode(lineBase, payload, contents.Length));
    }

    [Theory]
    [MemberData(nameof(CollidingHashes))]
    public void Every_generated_object_round_trips_when_line_hashes_collide(string kind)
    {
        var fleet = new SyntheticFleet(12, seed: 3);
        for (var o = 0; o < SyntheticFleet.ObjectNames.Length; o++)
        {
            var encoder = new LineDeltaEncoder(new LineBase(Generated(fleet, 0, o)), Colliding(kind));
            for (var h = 1; h < fleet.Hosts; h++)
            {
                var contents = Generated(fleet, h, o);
                Assert.Equal(contents, Decode(encoder.Base, encoder.Encode(contents), contents.Length));
            }
        }
    }

    [Fact]
    public void A_delta_small_enough_is_taken_unweighed_and_otherwise_the_smaller_form_is_stored()
    {
        // The generator's fleet with its own dictionaries and bases: the unweighed shortcut must store
        // exactly what weighing both forms would (docs/FORMAT.md, "Line delta bases").
        var fleet = new SyntheticFleet(160, seed: 1);
        var (dictionaries, bases) = DictionaryTrainer.TrainWithBases(fleet.HostIndices().Take(DictionaryTrainer.SamplesPerObject)
            .SelectMany(h => Enumerable.Range(0, SyntheticFleet.ObjectNames.Length).Select(o => (SyntheticFleet.ObjectNames[o], (Func<byte[]?>)(() => Generated(fleet, h, o))))), bases: true);
        int unweighed = 0, records = 0;
        for (var h = DictionaryTrainer.SamplesPerObject; h < fleet.Hosts; h++)
        {
            for (var o = 0; o < SyntheticFleet.ObjectNames.Length; o++)
            {
                var name = SyntheticFleet.ObjectNames[o];
                var contents = Generated(fleet, h, o);
                var (codec, dictionary) = DictionaryTrainer.CodecFor(PayloadCodec.LineDelta, dictionaries, name);
                var record = RecordEncoder.Encode(contents, FileStat.None, 1, codec, dictionary: dictionary);
                var delta = bases.TryGetValue(name, out var encoder) ? RecordEncoder.EncodeLineDelta(contents, FileStat.None, 1, encoder) : null;
                var smaller = delta is not null && delta.Length < record.Length ? delta : record;
                Assert.Equal(smaller, RecordEncoder.EncodeSmaller(contents, FileStat.None, 1, codec, dictionary, encoder));
                unweighed += delta is not null && (delta.Length - RecordHeader.Size) * RecordEncoder.DeltaTakenUnweighed <= contents.Length ? 1 : 0;
                records += smaller == record ? 1 : 0;
            }
        }
        foreach (var d in dictionaries.Values)
        {
            d.Dispose();
        }
        Assert.True(unweighed > 0 && records > 0, $"{unweighed} deltas taken unweighed, {records} records without a base");
    }

    [Fact]
    public void Line_counting_follows_the_newlines()
    {
        Assert.Equal(0, new LineBase([]).LineCount);
        Assert.Equal(1, new LineBase(Bytes("a")).LineCount);
        Assert.Equal(1, new LineBase(Bytes("a\n")).LineCount);
        Assert.Equal(2, new LineBase(Bytes("a\nb")).LineCount);
        Assert.Equal(2, new LineBase(Bytes("\n\n")).LineCount);
        var lineBase = new LineBase(Bytes("ab\n\ncd"));
        Assert.True(lineBase.Unterminated);
        Assert.Equal(new[] { "ab", "", "cd" }, Enumerable.Range(0, 3).Select(i => Encoding.UTF8.GetString(lineBase.Line(i))));
        Assert.Equal("\ncd", Encoding.UTF8.GetString(lineBase.Lines(1, 2)));
        Assert.Equal(CompressionDictionary.IdOf(lineBase.Contents), lineBase.Id);
        Assert.NotEqual(0u, new LineBase([]).Id);
    }

    [Fact]
    public void Every_truncation_is_corrupt_with_a_reason()
    {
        var fleet = new SyntheticFleet(10, seed: 1);
        var encoder = new LineDeltaEncoder(new LineBase(Generated(fleet, 0, 0)));
        for (var h = 1; h < fleet.Hosts; h++)
        {
            var contents = Generated(fleet, h, 0);
            var payload = encoder.Encode(contents)!;
            for (var n = 0; n < payload.Length; n++)
            {
                Assert.False(LineDeltaDecoder.TryDecode(encoder.Base, payload.AsSpan(0, n), new byte[contents.Length], out var error), $"host {h}, {n} bytes");
                Assert.False(string.IsNullOrEmpty(error));
            }
        }
    }

    [Fact]
    public void Random_byte_changes_read_as_corrupt_or_give_exactly_the_raw_length()
    {
        var fleet = new SyntheticFleet(50, seed: 1);
        var random = new Random(7);
        int corrupt = 0, decoded = 0;
        for (var o = 0; o < SyntheticFleet.ObjectNames.Length; o++)
        {
            var encoder = new LineDeltaEncoder(new LineBase(Generated(fleet, 0, o)));
            for (var h = 1; h < fleet.Hosts; h++)
            {
                var contents = Generated(fleet, h, o);
                var payload = encoder.Encode(contents)!;
                // Guard bytes after the output: a decoder that wrote past the raw length would change them.
                var buffer = new byte[contents.Length + 64];
                for (var i = 0; i < 80; i++)
                {
                    var damaged = (byte[])payload.Clone();
                    damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
                    buffer.AsSpan().Fill(0xA5);
                    if (LineDeltaDecoder.TryDecode(encoder.Base, damaged, buffer.AsSpan(0, contents.Length), out var error))
                    {
                        decoded++;
                    }
                    else
                    {
                        Assert.False(string.IsNullOrEmpty(error));
                        corrupt++;
                    }
                    Assert.True(buffer.AsSpan(contents.Length).IndexOfAnyExcept((byte)0xA5) < 0, "written past the raw length");
                }
            }
        }
        Assert.True(corrupt > 0 && decoded > 0, $"{corrupt} corrupt, {decoded} decoded");
    }

    public static TheoryData<byte[], string> Hostile => new()
    {
        { [], "truncated" },
        { [2], "truncated" },
        { [2, 0], "base lines left over" },
        { [9, 0, 0x04, 0x04], "9 base lines" },
        { [2, 2, 0x08], "unknown flags" },
        { [2, 0, 0x00], "0 lines" },
        { [2, 0, 0x0C], "copy of 3 lines with 2 base lines left" },
        { [2, 0, 0x0D], "skip of 3 lines" },
        { [2, 0, 0xFE, 0xFF, 0xFF, 0xFF, 0x07, 1, 2], "insert of" },
        { [2, 0, 0x0B, 1, 1, 1], "edit of 2 lines in 3 bytes" },
        { [2, 0, 0x07, 9, 0, 0x04], "keeps 9 bytes of a 5 byte base line" },
        { [2, 0, 0x06, 5, (byte)'x'], "runs past its end" },
        { [2, 0, 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], "bad op" },
        { [2, 0, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], "bad op" },
        { [2, 0, 0x08, 0x06, 3, (byte)'n', (byte)'e', (byte)'w'], "pass the raw length" },
        { [2, 1, 0x08], "gives 11 bytes, the header says 12" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Hostile_payloads_are_corrupt_with_their_reason(byte[] payload, string reason)
    {
        // A 2-line base of 12 bytes ("a = 1\nb = 2\n"), and raw length 12, so only the named check can fail.
        var lineBase = new LineBase(Bytes("a = 1\nb = 2\n"));
        Assert.False(LineDeltaDecoder.TryDecode(lineBase, payload, new byte[12], out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Varints_are_at_most_five_bytes_and_under_two_to_the_31()
    {
        var at = 0;
        Assert.True(Leb128.TryRead([0xFF, 0xFF, 0xFF, 0xFF, 0x07], ref at, out var max));
        Assert.Equal(int.MaxValue, max);
        at = 0;
        Assert.False(Leb128.TryRead([0x80, 0x80, 0x80, 0x80, 0x08], ref at, out _));
        at = 0;
        Assert.False(Leb128.TryRead([0x80, 0x80, 0x80, 0x80, 0x80, 0x00], ref at, out _));
        at = 0;
        Assert.False(Leb128.TryRead([0x80], ref at, out _));
        var written = new System.Buffers.ArrayBufferWriter<byte>();
        Leb128.Write(written, 300);
        Assert.Equal(new byte[] { 0xAC, 0x02 }, written.WrittenSpan.ToArray());
    }
}
