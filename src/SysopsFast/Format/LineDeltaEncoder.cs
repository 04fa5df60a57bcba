using System.Buffers;
using System.IO.Hashing;

namespace SysopsFast.Format;

/// <summary>How the encoder hashes a line to find it among the base's (tests force collisions with a poor one).</summary>
internal delegate ulong LineHash(ReadOnlySpan<byte> line);

/// <summary>
/// Writes contents as a line delta payload against one base (<see cref="PayloadCodec.LineDelta"/>,
/// docs/FORMAT.md). Lines are looked up by XXH3 hash, and a line found so is compared byte for byte
/// with the base line before it counts as that line: lines share a class only when they are equal,
/// so every copy the script makes is exact and a hash collision never reaches a record, with no
/// decoding of the payload again. Read-only after construction: one instance serves every thread.
/// </summary>
internal sealed class LineDeltaEncoder
{
    /// <summary>A class per distinct base line: the index of its first occurrence.</summary>
    private readonly Dictionary<ulong, int> _classOf = [];
    private readonly int[] _baseClasses;
    private readonly LineHash _hash;
    private long _encodes;

    public LineDeltaEncoder(LineBase lineBase)
        : this(lineBase, static line => XxHash3.HashToUInt64(line))
    {
    }

    /// <param name="lineBase">The base.</param>
    /// <param name="hash">How lines are hashed.</param>
    internal LineDeltaEncoder(LineBase lineBase, LineHash hash)
    {
        ArgumentNullException.ThrowIfNull(lineBase);
        Base = lineBase;
        _hash = hash;
        _baseClasses = new int[lineBase.LineCount];
        for (var i = 0; i < _baseClasses.Length; i++)
        {
            var line = lineBase.Line(i);
            var lineHash = _hash(line);
            if (!_classOf.TryGetValue(lineHash, out var c))
            {
                _classOf[lineHash] = c = i;
            }
            // A line whose hash an earlier, different line took is a class of its own, which no host line finds.
            _baseClasses[i] = line.SequenceEqual(lineBase.Line(c)) ? c : i;
        }
    }

    /// <summary>The base payloads are written against.</summary>
    public LineBase Base { get; }

    /// <summary>Payloads written so far (tests count the work a push skips).</summary>
    public long Encodes => Interlocked.Read(ref _encodes);

    /// <summary>The payload of <paramref name="contents"/>.</summary>
    public byte[] Encode(ReadOnlySpan<byte> contents)
    {
        Interlocked.Increment(ref _encodes);
        var lines = LineBase.LineCountOf(contents);
        var starts = ArrayPool<int>.Shared.Rent(lines + 1);
        try
        {
            LineBase.FillLineStarts(contents, starts, lines);
            var steps = LineDeltaScript.Build(_baseClasses, ClassesOf(contents, starts, lines));
            var payload = new ArrayBufferWriter<byte>(64 + (steps.Count * 4));
            Leb128.Write(payload, Base.LineCount);
            payload.Write([contents.Length > 0 && contents[^1] != (byte)'\n' ? LineDeltaReader.UnterminatedFlag : (byte)0]);
            foreach (var step in steps)
            {
                Write(payload, contents, starts, step);
            }
            return payload.WrittenSpan.ToArray();
        }
        finally
        {
            ArrayPool<int>.Shared.Return(starts);
        }
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

    /// <summary>Host lines equal to a base line get its class; the others one of their own (they never match).</summary>
    private int[] ClassesOf(ReadOnlySpan<byte> contents, int[] starts, int lines)
    {
        var classes = new int[lines];
        for (var j = 0; j < classes.Length; j++)
        {
            var line = LineBase.LineOf(contents, starts, j);
            classes[j] = _classOf.TryGetValue(_hash(line), out var c) && line.SequenceEqual(Base.Line(c)) ? c : _baseClasses.Length + j;
        }
        return classes;
    }
}
