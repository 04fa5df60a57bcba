namespace SysopsFast.Format;

/// <summary>
/// Rebuilds a line delta record's whole contents from its base and payload (what dump, compare and
/// search --contents read), into a buffer of exactly the header's raw length: nothing is ever
/// written past it, and a payload that does not give exactly that many bytes is corrupt.
/// </summary>
internal static class LineDeltaDecoder
{
    /// <summary>
    /// Decodes <paramref name="payload"/> against <paramref name="lineBase"/> into <paramref name="output"/>,
    /// whose length is the raw length; false (corrupt, <paramref name="error"/> says why) otherwise.
    /// </summary>
    public static bool TryDecode(LineBase lineBase, ReadOnlySpan<byte> payload, Span<byte> output, out string? error)
    {
        if (!LineDeltaReader.TryOpen(payload, lineBase, out var reader, out error))
        {
            return false;
        }
        var to = new Output(output);
        var ok = true;
        while (ok && reader.TryNext(out var op, out var count))
        {
            ok = TryLines(ref reader, lineBase, op, count, ref to);
        }
        if (to.Overrun)
        {
            error = $"line delta payload is corrupt (its lines pass the raw length of {output.Length} bytes)";
            return false;
        }
        if (!reader.TryFinish(out error))
        {
            return false;
        }
        // Every line was put with its '\n'; an unterminated last one's lies just past the output.
        var length = to.Written - (reader.Unterminated ? 1 : 0);
        if (length != output.Length)
        {
            error = $"line delta payload gives {Math.Max(length, 0)} bytes, the header says {output.Length}";
            return false;
        }
        return true;
    }

    private static bool TryLines(ref LineDeltaReader reader, LineBase lineBase, LineDeltaOp op, int count, ref Output to)
    {
        switch (op)
        {
            case LineDeltaOp.Copy:
            {
                // One copy for the run, but its last '\n' put on its own: it may be the one an
                // unterminated last line drops, and the base's own last line may lack it.
                var run = lineBase.Lines(reader.BaseLine - count, count);
                var lacksNewline = reader.BaseLine == lineBase.LineCount && lineBase.Unterminated;
                return to.TryPut(lacksNewline ? run : run[..^1]) && to.TryPutNewline();
            }
            case LineDeltaOp.Skip:
                return true;
            case LineDeltaOp.Insert:
                for (var k = 0; k < count; k++)
                {
                    if (!reader.TryInsert(out var line) || !to.TryPut(line) || !to.TryPutNewline())
                    {
                        return false;
                    }
                }
                return true;
            default:
                for (var k = 0; k < count; k++)
                {
                    var baseLine = reader.BaseLine;
                    if (!reader.TryEdit(out var kept, out var tail) || !to.TryPut(lineBase.Line(baseLine)[..kept]) || !to.TryPut(tail) || !to.TryPutNewline())
                    {
                        return false;
                    }
                }
                return true;
        }
    }

    /// <summary>
    /// The output so far. A line's <c>\n</c> one byte past the end is counted, not written: it is the
    /// one an unterminated last line drops. Anything further is an overrun.
    /// </summary>
    private ref struct Output(Span<byte> span)
    {
        private readonly Span<byte> _span = span;

        public int Written { get; private set; }

        public bool Overrun { get; private set; }

        public bool TryPut(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length > _span.Length - Written)
            {
                Overrun = true;
                return false;
            }
            bytes.CopyTo(_span[Written..]);
            Written += bytes.Length;
            return true;
        }

        public bool TryPutNewline()
        {
            if (Written < _span.Length)
            {
                _span[Written] = (byte)'\n';
            }
            else if (Written > _span.Length)
            {
                Overrun = true;
                return false;
            }
            Written++;
            return true;
        }
    }
}
