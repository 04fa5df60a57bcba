using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Hashing;
using System.Text;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;
using Xunit.Abstractions;

namespace SysopsFast.Tests;

/// <summary>
/// A seeded random mutator (no fuzzing library): valid records and RESP replies are damaged (bit
/// flips, bytes set, inserted and deleted, length fields set to edge values, truncation, splicing
/// two inputs) and fed to the record decoder and to the RESP reader in random chunk splits.
/// Properties: nothing is thrown but the documented error (the decoder returns false with a
/// reason; the RESP reader throws <see cref="InvalidDataException"/>), nothing is allocated beyond
/// the caps whatever a length claims, the same bytes give the same replies however they are split,
/// and no input takes long.
///
/// The budget is fixed (<see cref="DefaultIterations"/> inputs each, seeds 0..N-1, a few seconds) so
/// CI is deterministic; SYSOPS_FAST_FUZZ_ITERATIONS raises it for a longer local run.
///
/// Rule: an input this test ever finds failing is kept for good as a file under FuzzCorpus/
/// (<c>record-*.hex</c> or <c>resp-*.hex</c>, the hex the failure message prints), which
/// <see cref="Every_saved_input_keeps_its_properties"/> runs on every build, before the fix and after.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int DefaultIterations = 20_000;

    /// <summary>No single input may take this long (a loop that never ends would, and fails the run).</summary>
    private static readonly TimeSpan SlowInput = TimeSpan.FromSeconds(5);

    private static int Iterations =>
        int.TryParse(Environment.GetEnvironmentVariable("SYSOPS_FAST_FUZZ_ITERATIONS"), out var n) && n > 0 ? n : DefaultIterations;

    private static string CorpusDirectory => Path.Combine(AppContext.BaseDirectory, "FuzzCorpus");

    // ---- inputs ----

    private static readonly byte[] Text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 40).Select(i => $"net.core.netdev_budget = {300 + (i % 3)}\nkernel.hostname = héllo{i}\n")));

    /// <summary>Valid records: every codec (the dictionary one too), an omitted record, empty contents, one that does not compress.</summary>
    private static readonly byte[][] Records =
    [
        .. TestCodecs.All.Select(c => TestCodecs.Encode(Text, new FileStat(0x81a4, 0, 0, Text.Length, 1_700_000_000), 1_700_000_000_123, c)),
        .. TestCodecs.All.Select(c => TestCodecs.Encode([], FileStat.None, 1, c)),
        .. TestCodecs.All.Select(c => TestCodecs.Encode(Enumerable.Range(0, 700).Select(i => (byte)(i * 7919 % 251)).ToArray(), FileStat.None, 2, c)),
        TestCodecs.Encode(Text, FileStat.None, 3, PayloadCodec.Lz4, sizeCap: 10),
    ];

    private static readonly byte[] Nil = "$-1\r\n"u8.ToArray();

    /// <summary>Valid replies of the shapes queries read: MGET (records and nils), SCAN, ZSCAN, ZRANGEBYSCORE, INFO, EVAL of headers, XRANGE, EXISTS, an error, a status, CLUSTER SHARDS and SLOTS, a redirection.</summary>
    private static readonly byte[][] Replies =
    [
        Array(Bulk(Records[0]), Nil, Bulk(Records[1])),
        Array(Bulk("17"u8), Array(Bulk("web1.example.org#/etc/motd"u8), Bulk("web2.example.org#cmd/sysctl-a"u8))),
        Array(Bulk("0"u8), Array(Bulk("web1.example.org"u8), Bulk("inf"u8), Bulk("web2.example.org"u8), Bulk("1764089200000"u8))),
        Array(Bulk("/etc/motd"u8), Bulk("cmd/sysctl-a"u8)),
        Bulk("# Server\r\nredis_version:7.0.15\r\nuptime_in_seconds:12\r\n# Keyspace\r\ndb0:keys=3,expires=0\r\n"u8),
        Array(Bulk(Records[2].AsSpan(0, RecordHeader.Size)), Bulk([])),
        Array(Array(Bulk("1-0"u8), Array(Bulk("user"u8), Bulk("ops"u8), Bulk("command"u8), Bulk("grep x"u8)))),
        ":1\r\n"u8.ToArray(),
        "-LOADING Redis is loading the dataset in memory\r\n"u8.ToArray(),
        "+OK\r\n"u8.ToArray(),
        Array(Array(Bulk("slots"u8), Array(":0\r\n"u8.ToArray(), ":16383\r\n"u8.ToArray()), Bulk("nodes"u8), Array(Array(
            Bulk("id"u8), Bulk("9f1c"u8), Bulk("port"u8), ":7001\r\n"u8.ToArray(), Bulk("ip"u8), Bulk("127.0.0.1"u8), Bulk("endpoint"u8), Bulk("127.0.0.1"u8),
            Bulk("role"u8), Bulk("master"u8), Bulk("replication-offset"u8), ":42\r\n"u8.ToArray(), Bulk("health"u8), Bulk("online"u8))))),
        Array(Array(":0\r\n"u8.ToArray(), ":16383\r\n"u8.ToArray(), Array(Bulk("127.0.0.1"u8), ":7001\r\n"u8.ToArray(), Bulk("9f1c"u8), Array()))),
        "-MOVED 3999 127.0.0.1:6381\r\n"u8.ToArray(),
    ];

    private static byte[] Bulk(ReadOnlySpan<byte> value) => [.. Encoding.ASCII.GetBytes($"${value.Length}\r\n"), .. value, .. "\r\n"u8];

    private static byte[] Array(params byte[][] elements) => [.. Encoding.ASCII.GetBytes($"*{elements.Length}\r\n"), .. elements.SelectMany(e => e)];

    // ---- the mutator ----

    /// <summary>Lengths that break parsers: negatives, zero, off by one, the caps and just past them, 2^31, 2^32, 2^63.</summary>
    private static readonly long[] EdgeLengths =
    [
        -2, -1, 0, 1, 119, 120, 121, 255, 65_536, int.MaxValue, (long)int.MaxValue + 1, uint.MaxValue, 1L << 32, long.MaxValue,
        RecordDecoder.MaxRawLength, RecordDecoder.MaxRawLength + 1, RespReply.MaxBulkLength, RespReply.MaxBulkLength + 1L,
    ];

    /// <summary>One to three random damages of <paramref name="input"/>; <paramref name="other"/> is what a splice takes from.</summary>
    private static byte[] Mutate(Random random, byte[] input, byte[] other, bool isRecord)
    {
        var data = new List<byte>(input);
        for (var round = random.Next(1, 4); round > 0; round--)
        {
            switch (random.Next(isRecord ? 9 : 8))
            {
                case 0 when data.Count > 0: // bit flip
                    data[random.Next(data.Count)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0: // a random byte
                    data[random.Next(data.Count)] = (byte)random.Next(256);
                    break;
                case 2: // insert bytes
                    data.InsertRange(random.Next(data.Count + 1), Enumerable.Range(0, random.Next(1, 9)).Select(_ => (byte)random.Next(256)));
                    break;
                case 3 when data.Count > 0: // delete bytes
                    var at = random.Next(data.Count);
                    data.RemoveRange(at, Math.Min(data.Count - at, random.Next(1, 9)));
                    break;
                case 4: // truncate
                    data = data.Take(random.Next(data.Count + 1)).ToList();
                    break;
                case 5: // splice: a prefix of one and a suffix of the other
                    data = data.Take(random.Next(data.Count + 1)).Concat(other.Skip(random.Next(other.Length + 1))).ToList();
                    break;
                case 6: // a length field set to an edge value
                    SetLength(random, data, isRecord);
                    break;
                case 7 when !isRecord: // CR or LF where they do not belong
                    data.Insert(random.Next(data.Count + 1), random.Next(2) == 0 ? (byte)'\r' : (byte)'\n');
                    break;
                default:
                    break;
            }
        }
        var result = data.ToArray();
        // Half the damaged records get valid checksums again, so the damage reaches past them to
        // the lengths, the codecs and the decompressors.
        if (isRecord && random.Next(2) == 0)
        {
            Reseal(result);
        }
        return result;
    }

    private static void SetLength(Random random, List<byte> data, bool isRecord)
    {
        var value = EdgeLengths[random.Next(EdgeLengths.Length)];
        if (isRecord)
        {
            if (data.Count < RecordHeader.Size)
            {
                return;
            }
            var header = data.GetRange(0, RecordHeader.Size).ToArray();
            switch (random.Next(3))
            {
                case 0:
                    BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), (int)value); // payload length
                    break;
                case 1:
                    BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), value); // raw length
                    break;
                default:
                    header[5] = (byte)random.Next(6); // codec
                    break;
            }
            data.RemoveRange(0, RecordHeader.Size);
            data.InsertRange(0, header);
            return;
        }
        // The digits after a '$' or '*' at the start of a line.
        var starts = Enumerable.Range(0, data.Count).Where(i => data[i] is (byte)'$' or (byte)'*' && (i == 0 || data[i - 1] == (byte)'\n')).ToList();
        if (starts.Count == 0)
        {
            return;
        }
        var start = starts[random.Next(starts.Count)] + 1;
        var end = start;
        while (end < data.Count && data[end] != (byte)'\r')
        {
            end++;
        }
        data.RemoveRange(start, end - start);
        data.InsertRange(start, Encoding.ASCII.GetBytes(random.Next(8) == 0 ? "1x" : value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>Recomputes the payload checksum and the header CRC of whatever the bytes now say.</summary>
    private static void Reseal(byte[] record)
    {
        if (record.Length < RecordHeader.Size)
        {
            return;
        }
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(104), XxHash3.HashToUInt64(record.AsSpan(RecordHeader.Size)));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(112), Crc32.HashToUInt32(record.AsSpan(0, 112)));
    }

    // ---- properties ----

    /// <summary>A record: false with a reason, or the contents the header promises; never an exception, nothing allocated past the raw-length cap.</summary>
    private static string CheckRecord(RecordDecoder decoder, byte[] record)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ok = decoder.TryDecode(record, out var header, out var content, out var error);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (ok)
        {
            Assert.Null(error);
            var omitted = (header.Flags & RecordFlags.Omitted) != 0;
            Assert.Equal(omitted ? 0 : header.RawLength, content.Length);
            Assert.True(header.RawLength <= RecordDecoder.MaxRawLength || omitted);
            Assert.True(decoder.TryRepeat(record, out _, out var again) && again.SequenceEqual(content));
        }
        else
        {
            Assert.False(string.IsNullOrWhiteSpace(error));
            Assert.DoesNotContain('\n', error);
        }
        // The scratch buffer may grow to the cap, never past it (a pooled rent rounds up to a power of two).
        Assert.True(allocated <= RecordDecoder.MaxRawLength + (1 << 20), $"{allocated} bytes allocated for a {record.Length}-byte record");
        return ok ? "decoded" : error!;
    }

    /// <summary>
    /// A byte stream of replies: fed whole, then in random chunks as a socket would deliver it,
    /// both must give the same replies and end the same way (the documented exception or not);
    /// <c>missing</c> never overstates what the reply lacks; every complete reply is read in every
    /// shape a query reads, and a reader throws nothing but <see cref="InvalidDataException"/>.
    /// </summary>
    private static string CheckResp(Random random, byte[] stream)
    {
        var whole = Split(stream, [stream.Length]);
        var chunks = new List<int>();
        for (var left = stream.Length; left > 0;)
        {
            var n = Math.Min(left, random.Next(4) == 0 ? 1 : random.Next(1, 64));
            chunks.Add(n);
            left -= n;
        }
        var split = Split(stream, chunks);
        Assert.Equal(whole.Ends, split.Ends);
        Assert.Equal(whole.Failure, split.Failure);
        var start = 0;
        foreach (var end in whole.Ends)
        {
            ReadEveryShape(stream.AsSpan(start, end - start));
            start = end;
        }
        return whole.Failure ?? (start == stream.Length ? "complete" : "incomplete");
    }

    private sealed record Outcome(List<int> Ends, string? Failure);

    /// <summary>The connection's read loop in miniature: FindEnd over what has arrived, resumed after each chunk.</summary>
    private static Outcome Split(byte[] stream, List<int> chunks)
    {
        var ends = new List<int>();
        int start = 0, arrived = 0, resumeAt = 0;
        long pending = 1;
        try
        {
            foreach (var chunk in chunks)
            {
                arrived += chunk;
                while (start < arrived)
                {
                    var relative = resumeAt - start;
                    var end = RespReply.FindEnd(stream.AsSpan(start, arrived - start), ref relative, ref pending, out var missing);
                    if (end < 0)
                    {
                        Assert.True(missing >= 1);
                        // What is certainly missing cannot be more than what the whole stream goes on to give this reply.
                        var complete = CompleteEnd(stream, start);
                        Assert.True(complete < 0 || complete - (arrived - start) >= missing, $"missing {missing} overstated: the reply ends {complete - (arrived - start)} bytes later");
                        resumeAt = start + relative;
                        break;
                    }
                    Assert.InRange(end, 1, arrived - start);
                    start += end;
                    ends.Add(start);
                    resumeAt = start;
                }
            }
            return new Outcome(ends, null);
        }
        catch (InvalidDataException e)
        {
            return new Outcome(ends, e.Message);
        }
    }

    /// <summary>The length of the reply starting at <paramref name="start"/> once all of the stream has come, or -1.</summary>
    private static int CompleteEnd(byte[] stream, int start)
    {
        int resumeAt = 0;
        long pending = 1;
        try
        {
            return RespReply.FindEnd(stream.AsSpan(start), ref resumeAt, ref pending, out _);
        }
        catch (InvalidDataException)
        {
            return -1;
        }
    }

    private static void ReadEveryShape(ReadOnlySpan<byte> reply)
    {
        var copy = System.Buffers.ArrayPool<byte>.Shared.Rent(reply.Length);
        reply.CopyTo(copy);
        using var owned = new RespReply(copy, 0, reply.Length);
        Read(() => owned.CheckStrings(3, "MGET"));
        Read(() =>
        {
            var frame = owned.Read();
            _ = frame.Error;
            if (frame.ReadArrayLength() == 2 && frame.TryReadBulk(out _))
            {
                for (var n = frame.ReadArrayLength(); n > 0; n--)
                {
                    frame.TryReadBulk(out _);
                }
            }
        });
        Read(() =>
        {
            var frame = owned.Read();
            for (var n = frame.ReadArrayLength(); n > 0; n--)
            {
                if (frame.ReadArrayLength() != 2 || !frame.TryReadBulk(out _))
                {
                    return;
                }
                for (var f = frame.ReadArrayLength() / 2; f > 0; f--)
                {
                    frame.TryReadBulk(out _);
                    frame.TryReadBulk(out _);
                }
            }
        });
        Read(() => owned.Read().TryReadBulk(out _));
        ReadMap(() => ClusterSlotMap.FromShards(owned, ClusterSeed));
        ReadMap(() => ClusterSlotMap.FromSlots(owned, ClusterSeed));
        Read(() => ClusterRouter.TryReadRedirection(owned.Span, out _, out _, out _));
        Read(() => owned.Read().ReadInteger());
        Read(() => _ = owned.Read().PeekType);
    }

    private static readonly ServerAddress ClusterSeed = ServerAddress.Parse("127.0.0.1:7000");

    /// <summary>A slot map: also refused (as a server's failure) when it leaves slots unserved.</summary>
    private static void ReadMap(Func<ClusterSlotMap> read)
    {
        try
        {
            read();
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // The documented refusals.
        }
    }

    private static void Read(Action read)
    {
        try
        {
            read();
        }
        catch (InvalidDataException)
        {
            // The documented refusal of a reply of another shape.
        }
    }

    // ---- the runs ----

    [Fact]
    public void Damaged_records_are_refused_or_read_never_thrown()
    {
        using var decoder = TestCodecs.Decoder();
        Run("record", seed =>
        {
            var r = new Random(seed);
            var input = Mutate(r, Records[r.Next(Records.Length)], Records[r.Next(Records.Length)], isRecord: true);
            return (input, () => CheckRecord(decoder, input));
        });
    }

    [Theory]
    [InlineData(PayloadCodec.Lz4)]
    [InlineData(PayloadCodec.Zstd)]
    [InlineData(PayloadCodec.ZstdDictionary)]
    public void A_raw_length_the_payload_cannot_reach_is_refused_before_any_buffer_is_sized(PayloadCodec codec)
    {
        var record = TestCodecs.Encode(Text, FileStat.None, 1, codec);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(16), RecordDecoder.MaxRawLength);
        Reseal(record);
        using var decoder = TestCodecs.Decoder();
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.False(decoder.TryDecode(record, out _, out _, out var error));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains($"cannot decode to {RecordDecoder.MaxRawLength}", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Lz4_expands_no_more_than_the_decoder_allows()
    {
        var zeros = new byte[16 << 20];
        var record = TestCodecs.Encode(zeros, FileStat.None, 1, PayloadCodec.Lz4, sizeCap: zeros.Length);
        using var decoder = TestCodecs.Decoder();
        Assert.True(decoder.TryDecode(record, out _, out var content, out var error), error);
        Assert.Equal(zeros.Length, content.Length);
    }

    [Fact]
    public void Damaged_replies_are_refused_or_read_never_thrown_however_they_arrive()
    {
        Run("resp", seed =>
        {
            var r = new Random(seed);
            // One reply or two back to back: the second tells whether the first ended where it should.
            byte[] valid = r.Next(3) == 0 ? [.. Replies[r.Next(Replies.Length)], .. Replies[r.Next(Replies.Length)]] : Replies[r.Next(Replies.Length)];
            var input = Mutate(r, valid, Replies[r.Next(Replies.Length)], isRecord: false);
            return (input, () => CheckResp(new Random(seed), input));
        });
    }

    /// <summary>Runs seeds 0..N-1; the first failure names its seed and its input as hex to save under FuzzCorpus/.</summary>
    private void Run(string kind, Func<int, (byte[] Input, Func<string> Check)> make)
    {
        var clock = Stopwatch.StartNew();
        var slowest = TimeSpan.Zero;
        var outcomes = new Dictionary<string, int>();
        for (var seed = 0; seed < Iterations; seed++)
        {
            var (input, check) = make(seed);
            var started = clock.Elapsed;
            try
            {
                // Outcomes counted without their numbers, to show how deep the damage reached.
                var outcome = System.Text.RegularExpressions.Regex.Replace(check(), "'[^']*'|\\([^)]*\\)|\\b[0-9a-f]*[0-9][0-9a-f]*\\b", "…");
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"{kind} seed {seed} fails ({e.GetType().Name}: {e.Message}); save this input as FuzzCorpus/{kind}-<what>.hex:\n{Convert.ToHexStringLower(input)}", e);
            }
            var took = clock.Elapsed - started;
            slowest = took > slowest ? took : slowest;
            Assert.True(took < SlowInput, $"{kind} seed {seed} took {took.TotalSeconds:F1} s:\n{Convert.ToHexStringLower(input)}");
        }
        output.WriteLine($"{kind}: {Iterations} inputs in {clock.Elapsed.TotalSeconds:F1} s, slowest {slowest.TotalMilliseconds:F0} ms");
        foreach (var (outcome, count) in outcomes.OrderByDescending(o => o.Value).Take(16))
        {
            output.WriteLine($"  {count,7} {outcome}");
        }
    }

    public static TheoryData<string> SavedInputs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(CorpusDirectory, "*.hex").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SavedInputs))]
    public void Every_saved_input_keeps_its_properties(string file)
    {
        var input = Convert.FromHexString(string.Concat(File.ReadAllLines(Path.Combine(CorpusDirectory, file)).Where(l => !l.StartsWith('#')).Select(l => l.Trim())));
        if (file.StartsWith("record-", StringComparison.Ordinal))
        {
            using var decoder = TestCodecs.Decoder();
            CheckRecord(decoder, input);
        }
        else
        {
            CheckResp(new Random(0), input);
        }
        output.WriteLine(file + " keeps its properties");
    }
}
