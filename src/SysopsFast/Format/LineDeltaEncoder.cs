using System.Buffers;
using System.IO.Hashing;

namespace SysopsFast.Format;

/// <summary>
/// Writes contents as a line delta payload against one base (<see cref="PayloadCodec.LineDelta"/>,
/// docs/FORMAT.md). Lines are compared by XXH3 hash; every payload is decoded again and compared
/// with the contents before it is returned, so a hash collision never reaches a record. Read-only
/// after construction: one instance serves every thread.
/// </summary>
internal sealed class LineDeltaEncoder
{
    /// <summary>A class per distinct base line: the index of its first occurrence.</summary>
    private readonly Dictionary<ulong, int> _classOf = [];
    private readonly int[] _baseClasses;

    public LineDeltaEncoder(LineBase lineBase)
    {
        ArgumentNullException.ThrowIfNull(lineBase);
        Base = lineBase;
        _baseClasses = new int[lineBase.LineCount];
        for (var i = 0; i < _baseClasses.Length; i++)
        {
            var hash = XxHash3.HashToUInt64(lineBase.Line(i));
            _baseClasses[i] = _classOf.TryGetValue(hash, out var c) ? c : _classOf[hash] = i;
        }
    }

    /// <summary>The base payloads are written against.</summary>
    public LineBase Base { get; }

    /// <summary>The payload of <paramref name="contents"/>; null when it would not decode back to them (a line hash collision).</summary>
    public byte[]? Encode(ReadOnlySpan<byte> contents)
    {
        var starts = LineBase.LineStarts(contents);
        var steps = LineDeltaScript.Build(_baseClasses, ClassesOf(contents, starts));
        var payload = new ArrayBufferWriter<byte>(64 + (steps.Count * 4));
        Leb128.Write(payload, Base.LineCount);
        payload.Write([contents.Length > 0 && contents[^1] != (byte)'\n' ? LineDeltaReader.UnterminatedFlag : (byte)0]);
        foreach (var step in steps)
        {
            Write(payload, contents, starts, step);
        }
        return RebuildsTo(payload.WrittenSpan, contents) ? payload.WrittenSpan.ToArray() : null;
    }

    private void Write(ArrayBufferWriter<byte> payload, ReadOnlySpan<byte> contents, int[] starts, LineDeltaStep step)
    {
        Leb128.Write(payload, (step.Count << 2) | (int)step.Op);
        for (var k = 0; k < step.Count && step.Op is LineDeltaOp.Insert or LineDeltaOp.Edit; k++)
        {
            var line = LineBase.LineOf(contents, starts, step.HostStart + k);
            var kept = 0;
            if (step.Op == LineDeltaOp.Edit)
            {
                kept = line.CommonPrefixLength(Base.Line(step.BaseStart + k));
                Leb128.Write(payload, kept);
            }
            Leb128.Write(payload, line.Length - kept);
            payload.Write(line[kept..]);
        }
    }

    /// <summary>Host lines found in the base get its class; the others one of their own (they never match).</summary>
    private int[] ClassesOf(ReadOnlySpan<byte> contents, int[] starts)
    {
        var classes = new int[starts.Length - 1];
        for (var j = 0; j < classes.Length; j++)
        {
            classes[j] = _classOf.TryGetValue(XxHash3.HashToUInt64(LineBase.LineOf(contents, starts, j)), out var c) ? c : _baseClasses.Length + j;
        }
        return classes;
    }

    private bool RebuildsTo(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> contents)
    {
        var rebuilt = LargeBuffers.Rent(contents.Length);
        try
        {
            var output = rebuilt.AsSpan(0, contents.Length);
            return LineDeltaDecoder.TryDecode(Base, payload, output, out _) && output.SequenceEqual(contents);
        }
        finally
        {
            LargeBuffers.Return(rebuilt);
        }
    }
}
