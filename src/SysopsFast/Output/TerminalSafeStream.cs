using System.Buffers;

namespace SysopsFast.Output;

/// <summary>
/// What goes to a terminal: control characters in snapshot contents and key names (a host can
/// write anything into its own snapshot, escape sequences included) are shown escaped
/// (<see cref="ControlEscaping"/>), never sent raw. In a pipe or a file the bytes pass unchanged:
/// the CLI wraps standard output in this only when it is a terminal.
/// </summary>
public sealed class TerminalSafeStream(Stream inner) : WriteFilterStream(inner)
{
    private readonly ArrayBufferWriter<byte> _escaped = new(4096);

    /// <summary>A UTF-8 lead byte 0xC2 held back until the next byte says whether it starts a C1 control.</summary>
    private bool _pendingC2;

    /// <summary>Writes <paramref name="buffer"/> with its control characters escaped.</summary>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ReadOnlySpan<byte> input = _pendingC2 ? [0xc2, .. buffer] : buffer;
        _escaped.ResetWrittenCount();
        _pendingC2 = ControlEscaping.Write(_escaped, input, more: true) < input.Length;
        Inner.Write(_escaped.WrittenSpan);
    }

    /// <summary>Writes a held-back 0xC2 byte, then flushes the inner stream.</summary>
    public override void Flush()
    {
        if (_pendingC2)
        {
            _pendingC2 = false;
            Inner.Write([0xc2]);
        }
        Inner.Flush();
    }
}
