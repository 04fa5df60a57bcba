using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Pipeline;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>
/// Line delta records read from their ops (<see cref="LineDeltaRecord"/>, <see cref="DeltaLineSearcher"/>)
/// against the decoder on payloads no encoder writes: random ops (empty lines inserted, edits that
/// keep nothing or add nothing, a last empty line dropped by the unterminated flag, counts past the
/// base, wrong raw lengths) and random byte changes. A payload is opened exactly when the decoder
/// reads it, and then selects exactly the lines grep selects in the decoded contents.
/// </summary>
public class DeltaLineSearcherTests
{
    private static readonly string[] Vocabulary = ["a = 1", "b = 2", "", "x", "net.core.x = 3", "\r", "a = 1\r", "zz"];

    [Fact]
    public void Random_payloads_are_opened_exactly_when_the_decoder_reads_them_and_select_the_same_lines()
    {
        var random = new Random(18);
        var matchers = new[] { ("", false), ("a", false), ("x", true), ("^$", false) }
            .Select(p => (Matcher: MatcherFactory.Create(p.Item1, regex: true, ignoreCase: false), Invert: p.Item2)).ToArray();
        var opened = 0;
        for (var trial = 0; trial < 3000; trial++)
        {
            var lineBase = new LineBase(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, random.Next(0, 6)).Select(_ => Vocabulary[random.Next(Vocabulary.Length)] + "\n"))
                + (random.Next(3) == 0 ? "tail" : "")));
            var (payload, intended) = RandomPayload(random, lineBase);
            foreach (var raw in new[] { intended, intended - 1, intended + 1 }.Where(r => r >= 0))
            {
                var contents = new byte[raw];
                var decodes = LineDeltaDecoder.TryDecode(lineBase, payload, contents, out _);
                Assert.Equal(decodes, LineDeltaRecord.TryOpen(payload, lineBase, raw, out _));
                if (!decodes)
                {
                    continue;
                }
                opened++;
                foreach (var (matcher, invert) in matchers)
                {
                    var decoded = new NumberedSink();
                    var ops = new NumberedSink();
                    Assert.Equal(LineSearcher.Search(contents, matcher, invert, decoded), DeltaCases.Search(payload, lineBase, raw, matcher, invert, ops));
                    Assert.Equal(decoded.Lines, ops.Lines);
                }
            }
        }
        Assert.True(opened > 500, $"{opened} payloads opened");
    }

    [Fact]
    public void Damaged_payloads_are_opened_exactly_when_the_decoder_reads_them()
    {
        var random = new Random(7);
        var lineBase = new LineBase("a = 1\nb = 2\n\nnet.core.x = 3\nlast"u8.ToArray());
        var encoder = new LineDeltaEncoder(lineBase);
        var contents = "a = 1\nb = 22\nnew\n\nnet.core.x = 4\nlast\n"u8.ToArray();
        var payload = encoder.Encode(contents)!;
        for (var trial = 0; trial < 5000; trial++)
        {
            var damaged = payload.ToArray();
            damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            var cut = damaged[..random.Next(damaged.Length + 1)];
            foreach (var candidate in new[] { damaged, cut })
            {
                var decodes = LineDeltaDecoder.TryDecode(lineBase, candidate, new byte[contents.Length], out _);
                Assert.Equal(decodes, LineDeltaRecord.TryOpen(candidate, lineBase, contents.Length, out _));
            }
        }
    }

    [Fact]
    public void A_last_empty_line_dropped_by_the_unterminated_flag_is_no_line()
    {
        // "a\n" written as the lines "a" and "" with no final newline: grep sees one line.
        var lineBase = new LineBase("a\n"u8.ToArray());
        var payload = Payload(lineBase, unterminated: true, w => { Op(w, LineDeltaOp.Copy, 1); Op(w, LineDeltaOp.Insert, 1); Leb128.Write(w, 0); });
        var sink = new NumberedSink();
        Assert.Equal(1, DeltaCases.Search(payload, lineBase, 2, MatcherFactory.Create("", regex: false, ignoreCase: false), false, sink));
        Assert.Equal(["1:61"], sink.Lines);
    }

    [Fact]
    public void A_duplicate_of_a_record_read_from_its_ops_is_read_so_too_and_a_record_without_its_base_is_the_decoders_to_refuse()
    {
        var lineBase = new LineBase("a = 1\nb = 2\n"u8.ToArray());
        var record = RecordEncoder.EncodeLineDelta("a = 1\nb = 3\n"u8, FileStat.None, 1, new LineDeltaEncoder(lineBase))!;
        var dictionaries = new CompressionDictionaries();
        dictionaries.Bases.Add(lineBase);
        var sinks = new UniqCountSinkFactory();
        var processors = new GrepRecordProcessorFactory(MatcherFactory.Create("=", regex: false, ignoreCase: false), false, sinks);
        var corrupt = new ConcurrentQueue<CorruptRecord>();
        var reading = processors.CreateForWorker();
        using (var worker = new RecordDecodeWorker(reading, corrupt, dictionaries))
        {
            Assert.True(worker.Consume("h1#x"u8, record));
            Assert.True(worker.ConsumeDuplicate("h2#x"u8, record));
            Assert.Equal((2, 2, 0), (worker.Records, worker.DeltaRecords, worker.RawBytes));
        }
        var orphan = processors.CreateForWorker();
        using (var worker = new RecordDecodeWorker(orphan, corrupt, new CompressionDictionaries()))
        {
            Assert.True(worker.Consume("h3#x"u8, record));
            Assert.True(worker.ConsumeDuplicate("h4#x"u8, record));
            Assert.Equal(0, worker.Records);
        }
        processors.Complete([reading, orphan]);
        Assert.Equal([("a = 1", 2L), ("b = 3", 2L)], sinks.Result.Select(r => (r.Line, r.Count)).OrderBy(r => r.Line, StringComparer.Ordinal));
        Assert.Equal(["h3#x", "h4#x"], corrupt.Select(c => c.Key));
        Assert.Contains("not found", corrupt.First().Reason, StringComparison.Ordinal);
    }

    /// <summary>Random ops over the base (within it, or past it now and then), and the length of the contents they would make.</summary>
    private static (byte[] Payload, int Length) RandomPayload(Random random, LineBase lineBase)
    {
        var length = 0;
        var at = 0;
        var unterminated = random.Next(3) == 0;
        var payload = Payload(lineBase, unterminated, w =>
        {
            for (var n = random.Next(0, 6); n > 0; n--)
            {
                var op = (LineDeltaOp)random.Next(4);
                var left = lineBase.LineCount - at;
                var count = op == LineDeltaOp.Insert || left <= 0 || random.Next(10) == 0 ? random.Next(1, 3) : random.Next(1, left + 1);
                Op(w, op, count);
                for (var k = 0; k < count; k++)
                {
                    var line = op switch
                    {
                        LineDeltaOp.Skip => null,
                        LineDeltaOp.Copy => at + k < lineBase.LineCount ? lineBase.Line(at + k).ToArray() : [],
                        _ => Encoding.UTF8.GetBytes(Vocabulary[random.Next(Vocabulary.Length)]),
                    };
                    if (op == LineDeltaOp.Edit)
                    {
                        var kept = at + k < lineBase.LineCount ? random.Next(0, lineBase.LineLength(at + k) + 1) : 0;
                        Leb128.Write(w, kept);
                        line = [.. (at + k < lineBase.LineCount ? lineBase.Line(at + k)[..kept] : []), .. line!];
                        Leb128.Write(w, line.Length - kept);
                        w.Write(line.AsSpan(kept));
                    }
                    else if (op == LineDeltaOp.Insert)
                    {
                        Leb128.Write(w, line!.Length);
                        w.Write(line);
                    }
                    length += line is null ? 0 : line.Length + 1;
                }
                at += op == LineDeltaOp.Insert ? 0 : count;
            }
            if (at < lineBase.LineCount && random.Next(4) > 0)
            {
                Op(w, LineDeltaOp.Copy, lineBase.LineCount - at);
                length += lineBase.LineStart(lineBase.LineCount) - lineBase.LineStart(at);
            }
        });
        return (payload, unterminated ? length - 1 : length);
    }

    private static byte[] Payload(LineBase lineBase, bool unterminated, Action<ArrayBufferWriter<byte>> ops)
    {
        var w = new ArrayBufferWriter<byte>();
        Leb128.Write(w, lineBase.LineCount);
        w.Write([unterminated ? LineDeltaReader.UnterminatedFlag : (byte)0]);
        ops(w);
        return w.WrittenSpan.ToArray();
    }

    private static void Op(ArrayBufferWriter<byte> w, LineDeltaOp op, int count) => Leb128.Write(w, (count << 2) | (int)op);
}
