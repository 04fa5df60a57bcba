namespace SysopsFast.Format;

/// <summary>
/// Walks a line delta payload's ops against its loaded base, with every bound a hostile payload
/// could break checked before it is believed: a count never runs past the base lines left (copy,
/// skip, edit) or the payload bytes left (insert, edit), a length never past the payload, a kept
/// prefix never past its base line. Anything else makes the record corrupt, with <see cref="Error"/>
/// saying why; nothing throws. A walk costs at most one step per op and one per payload byte.
/// Usage: <see cref="TryOpen"/>, then <see cref="TryNext"/> until it is false; after an Insert or an
/// Edit op read its count lines (<see cref="TryInsert"/>, <see cref="TryEdit"/>); then <see cref="TryFinish"/>.
/// </summary>
internal ref struct LineDeltaReader
{
    /// <summary>Flag bit 0: the last line has no <c>\n</c>. Other bits are reserved and refused.</summary>
    public const byte UnterminatedFlag = 1;

    private readonly ReadOnlySpan<byte> _payload;

    /// <summary>Where each line of what the payload is written against starts, and one more (<see cref="LineBase.LineStarts"/>).</summary>
    private readonly ReadOnlySpan<int> _starts;
    private int _at;
    private LineDeltaOp _op;
    private int _linesLeft;

    private LineDeltaReader(ReadOnlySpan<byte> payload, int at, ReadOnlySpan<int> starts, bool unterminated)
    {
        _payload = payload;
        _at = at;
        _starts = starts;
        Unterminated = unterminated;
    }

    /// <summary>Whether the contents' last line has no <c>\n</c> (the last line's is dropped).</summary>
    public bool Unterminated { get; }

    /// <summary>The base line the next copy, skip or edit starts at.</summary>
    public int BaseLine { get; private set; }

    /// <summary>Why the payload was refused; null while it reads well.</summary>
    public string? Error { get; private set; }

    /// <summary>
    /// Opens <paramref name="payload"/> against <paramref name="lineBase"/>, the base its record's id
    /// names; false (corrupt, <paramref name="error"/> says why) when its header is malformed or
    /// names another line count than the base has.
    /// </summary>
    public static bool TryOpen(ReadOnlySpan<byte> payload, LineBase lineBase, out LineDeltaReader reader, out string? error)
    {
        var ok = TryOpenCore(payload, lineBase.Starts, out reader, out error, out var baseLines);
        if (!ok && baseLines >= 0)
        {
            error = $"line delta payload was written against {baseLines} base lines, but base {lineBase.Id:x8} has {lineBase.LineCount}";
        }
        return ok;
    }

    /// <summary>
    /// Opens <paramref name="payload"/> against lines of which only the lengths are known:
    /// <paramref name="starts"/> as <see cref="LineBase.LineStarts"/> gives them (a composition's
    /// lines, <see cref="LineDeltaComposer"/>). False as <see cref="TryOpen"/>.
    /// </summary>
    public static bool TryOpenLines(ReadOnlySpan<byte> payload, ReadOnlySpan<int> starts, out LineDeltaReader reader, out string? error) =>
        TryOpenCore(payload, starts, out reader, out error, out _);

    /// <summary>Both overloads; <paramref name="wrongLines"/> is the line count the payload names when it is not the base's, −1 otherwise.</summary>
    private static bool TryOpenCore(ReadOnlySpan<byte> payload, ReadOnlySpan<int> starts, out LineDeltaReader reader, out string? error, out int wrongLines)
    {
        reader = default;
        wrongLines = -1;
        var at = 0;
        if (!Leb128.TryRead(payload, ref at, out var baseLines) || at >= payload.Length)
        {
            error = "line delta payload is corrupt (truncated before its ops)";
            return false;
        }
        if (baseLines != starts.Length - 1)
        {
            error = $"line delta payload was written against {baseLines} lines, but its base has {starts.Length - 1}";
            wrongLines = baseLines;
            return false;
        }
        var flags = payload[at++];
        if ((flags & ~UnterminatedFlag) != 0)
        {
            error = $"line delta payload has unknown flags 0x{flags:x2}";
            return false;
        }
        reader = new LineDeltaReader(payload, at, starts, (flags & UnterminatedFlag) != 0);
        error = null;
        return true;
    }

    /// <summary>
    /// The next op and its line count; false at the end of the payload or when it is corrupt
    /// (<see cref="Error"/> tells which). Copy and skip ops are consumed at once (<see cref="BaseLine"/>
    /// moves past them); an insert's or edit's lines are read next.
    /// </summary>
    public bool TryNext(out LineDeltaOp op, out int count)
    {
        op = default;
        count = 0;
        if (Error is not null || _at >= _payload.Length)
        {
            return false;
        }
        if (_linesLeft > 0)
        {
            return Fail($"line delta reader asked for the next op with {_linesLeft} lines of the last one unread");
        }
        if (!Leb128.TryRead(_payload, ref _at, out var value))
        {
            return Fail("line delta payload is corrupt (bad op)");
        }
        op = (LineDeltaOp)(value & 3);
        count = value >> 2;
        if (count == 0)
        {
            return Fail("line delta payload is corrupt (an op of 0 lines)");
        }
        var baseLeft = _starts.Length - 1 - BaseLine;
        if (op != LineDeltaOp.Insert && count > baseLeft)
        {
            return Fail($"line delta payload is corrupt ({NameOf(op)} of {count} lines with {baseLeft} base lines left)");
        }
        // Each inserted line takes at least its length byte, each edited line two: a count beyond that is a lie.
        var bytesPerLine = op == LineDeltaOp.Edit ? 2 : 1;
        if (op is LineDeltaOp.Insert or LineDeltaOp.Edit && count > (_payload.Length - _at) / bytesPerLine)
        {
            return Fail($"line delta payload is corrupt ({NameOf(op)} of {count} lines in {_payload.Length - _at} bytes)");
        }
        if (op is LineDeltaOp.Copy or LineDeltaOp.Skip)
        {
            BaseLine += count;
        }
        else
        {
            _linesLeft = count;
        }
        _op = op;
        return true;
    }

    /// <summary>The next line of an insert op.</summary>
    public bool TryInsert(out ReadOnlySpan<byte> line)
    {
        line = default;
        return TryLineOf(LineDeltaOp.Insert) && TryLiteral(out line);
    }

    /// <summary>
    /// The next line of an edit op: the first <paramref name="kept"/> bytes of base line
    /// <see cref="BaseLine"/> (read before the call), then <paramref name="tail"/>; consumes that base line.
    /// </summary>
    public bool TryEdit(out int kept, out ReadOnlySpan<byte> tail)
    {
        tail = default;
        kept = 0;
        if (!TryLineOf(LineDeltaOp.Edit))
        {
            return false;
        }
        if (!Leb128.TryRead(_payload, ref _at, out kept))
        {
            return Fail("line delta payload is corrupt (truncated edit)");
        }
        var baseLength = _starts[BaseLine + 1] - _starts[BaseLine] - 1;
        if (kept > baseLength)
        {
            return Fail($"line delta payload is corrupt (keeps {kept} bytes of a {baseLength} byte base line)");
        }
        if (!TryLiteral(out tail))
        {
            return false;
        }
        BaseLine++;
        return true;
    }

    /// <summary>
    /// After the last op: true when the whole payload was read and every base line consumed, as a
    /// well-formed payload ends; false (corrupt) otherwise.
    /// </summary>
    public bool TryFinish(out string? error)
    {
        if (Error is null && (_at < _payload.Length || _linesLeft > 0))
        {
            Fail("line delta payload is corrupt (ops left unread)");
        }
        if (Error is null && BaseLine != _starts.Length - 1)
        {
            Fail($"line delta payload is corrupt (base lines left over: {_starts.Length - 1 - BaseLine})");
        }
        error = Error;
        return error is null;
    }

    private bool TryLineOf(LineDeltaOp op)
    {
        if (Error is not null)
        {
            return false;
        }
        if (_op != op || _linesLeft == 0)
        {
            return Fail($"line delta reader asked for a line of an {NameOf(op)} outside one");
        }
        _linesLeft--;
        return true;
    }

    private bool TryLiteral(out ReadOnlySpan<byte> literal)
    {
        literal = default;
        if (!Leb128.TryRead(_payload, ref _at, out var length) || length > _payload.Length - _at)
        {
            return Fail("line delta payload is corrupt (a literal runs past its end)");
        }
        literal = _payload.Slice(_at, length);
        _at += length;
        return true;
    }

    private static string NameOf(LineDeltaOp op) => op switch
    {
        LineDeltaOp.Copy => "copy",
        LineDeltaOp.Skip => "skip",
        LineDeltaOp.Insert => "insert",
        _ => "edit",
    };

    private bool Fail(string why)
    {
        Error ??= why;
        return false;
    }
}
