using SysopsFast.Fleet;
using SysopsFast.Format;

namespace SysopsFast.DeltaStudy;

/// <summary>One host's object in every form: today's record, and the payload of each delta form.</summary>
internal readonly record struct HostForms(int RawLength, byte[] Today, byte[][] Deltas, int Ops, int Literals, int Edited, int Inserted);

/// <summary>
/// One object over the whole fleet: each host's contents generated as <c>fleet generate</c> makes
/// them, today's record encoded as it writes it, and each delta form encoded and decoded back
/// (a form that does not give the contents back exactly stops the study).
/// </summary>
internal sealed record ObjectSizes(string Name, ObjectBase Base, int BaseSample, HostForms[] Hosts)
{
    public static readonly DeltaForm[] Forms = Enum.GetValues<DeltaForm>();

    public static ObjectSizes Measure(SyntheticFleet fleet, int objectIndex, IReadOnlyList<byte[]> samples, CompressionDictionary? dictionary, long insertedMs)
    {
        var name = SyntheticFleet.ObjectNames[objectIndex];
        var (b, sample) = ObjectBase.Medoid(samples, candidates: 24);
        var hosts = new HostForms[fleet.Hosts];
        using var text = new ThreadLocal<TextBuffer>(() => new TextBuffer());
        using var decoders = new ThreadLocal<DeltaDecoder[]>(() => Forms.Select(f => new DeltaDecoder(b, f, dictionary?.CreateDecompressor())).ToArray());
        Parallel.For(0, fleet.Hosts, h =>
        {
            var buffer = text.Value!;
            fleet.Write(h, objectIndex, buffer);
            var contents = buffer.Span.ToArray();
            hosts[h] = Encode(b, contents, name, dictionary, insertedMs);
            Verify(decoders.Value!, hosts[h], contents, name, h);
        });
        return new ObjectSizes(name, b, sample, hosts);
    }

    private static HostForms Encode(ObjectBase b, byte[] contents, string name, CompressionDictionary? dictionary, long insertedMs)
    {
        var isFile = name.StartsWith('/');
        // As FleetGenerator writes it: an object without a dictionary is LZ4.
        var codec = dictionary is null ? PayloadCodec.Lz4 : PayloadCodec.ZstdDictionary;
        var today = RecordEncoder.Encode(contents, new FileStat(isFile ? 0x81A4u : 0u, 0, 0, isFile ? contents.Length : 0, insertedMs / 1000), insertedMs, codec, dictionary: dictionary);
        var lines = Lines.Of(contents);
        var deltas = Forms.Select(f => f == DeltaForm.PackedTails && dictionary is null ? [] : DeltaFormat.Encode(b, lines, f, dictionary)).ToArray();
        var ops = DeltaScript.Build(b, lines, edits: true);
        var edited = ops.Where(o => o.Op == LineDeltaOp.Edit).Sum(o => o.Count);
        var inserted = ops.Where(o => o.Op == LineDeltaOp.Insert).Sum(o => o.Count);
        var literals = ops.Sum(o => Literals(o, b.Lines, lines));
        return new HostForms(contents.Length, today, deltas, ops.Count, literals, edited, inserted);
    }

    private static int Literals(LineDeltaStep o, Lines baseLines, Lines host) => o.Op switch
    {
        LineDeltaOp.Insert => Enumerable.Range(o.HostStart, o.Count).Sum(j => host.Lengths[j]),
        LineDeltaOp.Edit => Enumerable.Range(0, o.Count).Sum(k => host.Lengths[o.HostStart + k] - host[o.HostStart + k].CommonPrefixLength(baseLines[o.BaseStart + k])),
        _ => 0,
    };

    private static void Verify(DeltaDecoder[] decoders, HostForms forms, byte[] contents, string name, int host)
    {
        for (var f = 0; f < Forms.Length; f++)
        {
            if (forms.Deltas[f].Length == 0 && Forms[f] == DeltaForm.PackedTails)
            {
                continue;
            }
            var back = decoders[f].Decode(forms.Deltas[f], contents.Length);
            if (back is null || !back.AsSpan().SequenceEqual(contents))
            {
                throw new InvalidOperationException($"{Forms[f]} does not give back {name} of host {host}");
            }
        }
    }
}
