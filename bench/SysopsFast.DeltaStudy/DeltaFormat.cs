using System.Buffers;
using SysopsFast.Format;

namespace SysopsFast.DeltaStudy;

/// <summary>The candidate encodings of a host's object as differences from its base.</summary>
internal enum DeltaForm
{
    /// <summary>(a) copy, skip, insert whole literal lines.</summary>
    Lines,
    /// <summary>(b) as (a), and a changed line as (base line, bytes kept of it, literal tail).</summary>
    Tails,
    /// <summary>(c) as (b), its literal bytes in one zstd frame against the object's dictionary.</summary>
    PackedTails,
}

/// <summary>
/// Writes a delta payload. Layout (little-endian LEB128 varints, "v"):
/// <c>v base-lines, u8 flags (bit 0: the last line has no '\n'), [PackedTails: v ops-length,] ops,
/// [PackedTails: the literal block, a zstd frame, absent when there are no literals]</c>.
/// An op is <c>v (count &lt;&lt; 2 | kind)</c>, count ≥ 1; Insert is followed by count × <c>v length,
/// bytes</c> and Edit by count × <c>v kept, v length, bytes</c>, the bytes inline or (PackedTails) the
/// next ones of the literal block.
/// </summary>
internal static class DeltaFormat
{
    public const byte Unterminated = 1;

    public static byte[] Encode(ObjectBase b, Lines host, DeltaForm form, CompressionDictionary? dictionary)
    {
        var ops = DeltaScript.Build(b, host, edits: form != DeltaForm.Lines);
        var head = new ArrayBufferWriter<byte>(64);
        Leb128.Write(head, b.Lines.Count);
        head.Write([host.Unterminated ? Unterminated : (byte)0]);
        var body = new ArrayBufferWriter<byte>(256);
        var literals = form == DeltaForm.PackedTails ? new ArrayBufferWriter<byte>(256) : body;
        foreach (var op in ops)
        {
            WriteOp(body, literals, b.Lines, host, op);
        }
        if (form != DeltaForm.PackedTails)
        {
            return [.. head.WrittenSpan, .. body.WrittenSpan];
        }
        Leb128.Write(head, body.WrittenCount);
        var packed = Pack(literals.WrittenSpan, dictionary!);
        return [.. head.WrittenSpan, .. body.WrittenSpan, .. packed];
    }

    private static void WriteOp(ArrayBufferWriter<byte> ops, ArrayBufferWriter<byte> literals, Lines baseLines, Lines host, LineDeltaStep op)
    {
        Leb128.Write(ops, op.Count << 2 | (int)op.Op);
        for (var k = 0; k < op.Count && op.Op is LineDeltaOp.Insert or LineDeltaOp.Edit; k++)
        {
            var line = host[op.HostStart + k];
            var kept = op.Op == LineDeltaOp.Edit ? line.CommonPrefixLength(baseLines[op.BaseStart + k]) : 0;
            if (op.Op == LineDeltaOp.Edit)
            {
                Leb128.Write(ops, kept);
            }
            Leb128.Write(ops, line.Length - kept);
            literals.Write(line[kept..]);
        }
    }

    private static byte[] Pack(ReadOnlySpan<byte> literals, CompressionDictionary dictionary)
    {
        if (literals.IsEmpty)
        {
            return [];
        }
        var dest = new byte[RecordEncoder.MaxPayloadLength(literals.Length, PayloadCodec.ZstdDictionary)];
        return dest[..dictionary.Compress(literals, dest)];
    }
}
