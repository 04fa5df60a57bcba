namespace SysopsFast.Output;

/// <summary>
/// What goes to a terminal: control characters in snapshot contents and key names (a host can
/// write anything into its own snapshot, escape sequences included) are shown the way <c>cat -v</c>
/// shows them (<c>^[</c> for ESC, <c>^M</c> for CR, <c>^?</c> for DEL; the C1 controls U+0080–U+009F
/// as <c>M-^[</c> …), never sent raw; newlines and tabs pass. In a pipe or a file the bytes pass
/// unchanged: the CLI wraps standard output in this only when it is a terminal.
/// </summary>
public sealed class TerminalSafeStream(Stream inner) : Stream
{
    /// <summary>A UTF-8 lead byte 0xC2 held back until the next byte says whether it starts a C1 control.</summary>
    private bool _pendingC2;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var start = 0;
        for (var i = 0; i < buffer.Length; i++)
        {
            var b = buffer[i];
            if (_pendingC2)
            {
                _pendingC2 = false;
                if (b is >= 0x80 and <= 0x9f)
                {
                    inner.Write(buffer[start..i]);
                    WriteCaret((byte)(b - 0x80), meta: true);
                    start = i + 1;
                    continue;
                }
                inner.Write([0xc2]);
            }
            if (b == 0xc2)
            {
                inner.Write(buffer[start..i]);
                _pendingC2 = true;
                start = i + 1;
            }
            else if ((b < 0x20 && b is not (byte)'\n' and not (byte)'\t') || b == 0x7f)
            {
                inner.Write(buffer[start..i]);
                WriteCaret(b, meta: false);
                start = i + 1;
            }
        }
        inner.Write(buffer[start..]);
    }

    /// <summary>cat -v's notation: ^@ … ^_ for 0–31, ^? for 127, with M- in front for the C1 range.</summary>
    private void WriteCaret(byte control, bool meta)
    {
        if (meta)
        {
            inner.Write("M-"u8);
        }
        inner.Write(control == 0x7f ? "^?"u8 : [(byte)'^', (byte)(control + 0x40)]);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush()
    {
        if (_pendingC2)
        {
            _pendingC2 = false;
            inner.Write([0xc2]);
        }
        inner.Flush();
    }

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Flush();
        return Task.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
