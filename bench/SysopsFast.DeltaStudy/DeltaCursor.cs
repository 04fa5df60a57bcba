using SysopsFast.Format;

namespace SysopsFast.DeltaStudy;

/// <summary>
/// Reads a delta payload's ops with every bound a hostile payload could break checked: a count
/// never runs past the base's lines, a length never past the payload (or literal block), a kept
/// prefix never past its base line. Any failure makes the record corrupt, nothing else.
/// </summary>
internal ref struct DeltaCursor
{
    private readonly ReadOnlySpan<byte> _ops;
    private readonly ReadOnlySpan<byte> _literals;
    private readonly bool _packed;
    private int _at;
    private int _literalAt;

    private DeltaCursor(ReadOnlySpan<byte> ops, int at, ReadOnlySpan<byte> literals, bool packed, int baseLines, bool unterminated)
    {
        _ops = ops;
        _at = at;
        _literals = literals;
        _packed = packed;
        BaseLines = baseLines;
        Unterminated = unterminated;
    }

    public int BaseLines { get; }
    public bool Unterminated { get; }

    /// <summary>All ops and literals read.</summary>
    public readonly bool AtEnd => _at == _ops.Length && (!_packed || _literalAt == _literals.Length);

    /// <summary>
    /// Opens a payload; PackedTails unpacks its literal block with the object's dictionary
    /// (<paramref name="unpack"/>) into <paramref name="scratch"/>, never more than the contents' raw
    /// length. False when the payload is corrupt.
    /// </summary>
    public static bool TryOpen(ReadOnlySpan<byte> payload, DeltaForm form, ZstdSharp.Decompressor? unpack, ref byte[] scratch, int rawLength, out DeltaCursor cursor)
    {
        cursor = default;
        var at = 0;
        if (!Leb128.TryRead(payload, ref at, out var baseLines) || at >= payload.Length || payload[at] > DeltaFormat.Unterminated)
        {
            return false;
        }
        var unterminated = payload[at++] == DeltaFormat.Unterminated;
        if (form != DeltaForm.PackedTails)
        {
            cursor = new DeltaCursor(payload, at, default, false, baseLines, unterminated);
            return true;
        }
        if (!Leb128.TryRead(payload, ref at, out var opsLength) || opsLength > payload.Length - at)
        {
            return false;
        }
        var block = payload[(at + opsLength)..];
        var unpacked = 0;
        if (!block.IsEmpty)
        {
            if (scratch.Length < rawLength)
            {
                scratch = new byte[rawLength];
            }
            try
            {
                unpacked = unpack!.Unwrap(block, scratch.AsSpan(0, rawLength));
            }
            catch (ZstdSharp.ZstdException)
            {
                return false;
            }
        }
        cursor = new DeltaCursor(payload[..(at + opsLength)], at, scratch.AsSpan(0, unpacked), true, baseLines, unterminated);
        return true;
    }

    /// <summary>The next op; false at the end or when it is malformed (<see cref="AtEnd"/> tells which).</summary>
    public bool TryNext(out LineDeltaOp kind, out int count)
    {
        kind = default;
        count = 0;
        if (_at >= _ops.Length || !Leb128.TryRead(_ops, ref _at, out var v) || v >> 2 == 0)
        {
            return false;
        }
        kind = (LineDeltaOp)(v & 3);
        count = v >> 2;
        return true;
    }

    /// <summary>An Edit line's kept prefix of its base line (of <paramref name="baseLength"/> bytes).</summary>
    public bool TryKept(int baseLength, out int kept) => Leb128.TryRead(_ops, ref _at, out kept) && kept <= baseLength;

    /// <summary>The next literal (an inserted line or an edit's tail).</summary>
    public bool TryLiteral(out ReadOnlySpan<byte> literal)
    {
        literal = default;
        if (!Leb128.TryRead(_ops, ref _at, out var length))
        {
            return false;
        }
        var source = _packed ? _literals : _ops;
        ref var from = ref _packed ? ref _literalAt : ref _at;
        if (length > source.Length - from)
        {
            return false;
        }
        literal = source.Slice(from, length);
        from += length;
        return true;
    }
}
