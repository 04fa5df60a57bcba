using System.Buffers;
using System.Buffers.Text;

namespace SysopsFast.Redis;

/// <summary>
/// One whole RESP2 reply as it arrived, in a pooled buffer that the reply owns until disposed: the
/// values of an MGET are read as spans over it, never copied out.
/// </summary>
internal sealed class RespReply : IDisposable
{
    private byte[]? _buffer;
    private readonly int _start;

    public RespReply(byte[] buffer, int start, int length)
    {
        _buffer = buffer;
        _start = start;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => _buffer is { } b ? b.AsSpan(_start, Length) : throw new ObjectDisposedException(nameof(RespReply));

    public RespFrame Read() => new(Span);

    public void Dispose()
    {
        if (_buffer is { } b)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(b);
        }
    }

    /// <summary>
    /// The end of the first complete reply in <paramref name="data"/>, or -1 if more bytes are needed.
    /// <paramref name="resumeAt"/> and <paramref name="pending"/> carry the scan over between calls
    /// (start with 0 and 1), so a large reply arriving in many reads is walked once, not once per read.
    /// When incomplete, <paramref name="missing"/> is how many more bytes are certainly needed (at least 1).
    /// </summary>
    public static int FindEnd(ReadOnlySpan<byte> data, ref int resumeAt, ref long pending, out long missing)
    {
        missing = 1;
        var pos = resumeAt;
        while (pending > 0)
        {
            if (pos >= data.Length)
            {
                resumeAt = pos;
                return -1;
            }
            var lineEnd = data[pos..].IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                resumeAt = pos;
                return -1;
            }
            var type = data[pos];
            var line = data.Slice(pos + 1, lineEnd - 1);
            var next = pos + lineEnd + 2;
            switch (type)
            {
                case (byte)'+' or (byte)'-' or (byte)':':
                    break;
                case (byte)'$':
                    var length = ParseLength(line);
                    if (length >= 0)
                    {
                        if (next + length + 2L > data.Length)
                        {
                            missing = next + length + 2L - data.Length;
                            resumeAt = pos;
                            return -1;
                        }
                        next += (int)length + 2;
                    }
                    break;
                case (byte)'*':
                    var count = ParseLength(line);
                    if (count > 0)
                    {
                        pending += count;
                    }
                    break;
                default:
                    throw new InvalidDataException($"not a RESP reply (type byte 0x{type:x2})");
            }
            pending--;
            pos = next;
        }
        resumeAt = 0;
        pending = 1;
        return pos;
    }

    internal static long ParseLength(ReadOnlySpan<byte> digits)
    {
        if (!Utf8Parser.TryParse(digits, out long value, out var consumed) || consumed != digits.Length || value < -1 || value > int.MaxValue)
        {
            throw new InvalidDataException("bad length in a RESP reply");
        }
        return value;
    }
}

/// <summary>A forward-only reader over one RESP2 reply.</summary>
internal ref struct RespFrame
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;

    public RespFrame(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
    }

    public readonly byte PeekType => _data[_pos];

    /// <summary>An error reply's text ("LOADING Redis is loading …"), or null.</summary>
    public readonly string? Error => _data.Length > 0 && _data[0] == (byte)'-' ? System.Text.Encoding.UTF8.GetString(_data[1..^2]) : null;

    /// <summary>An array header: its length (-1 for a null array).</summary>
    public int ReadArrayLength()
    {
        var line = Line((byte)'*');
        return (int)RespReply.ParseLength(line);
    }

    /// <summary>A bulk string (false for a null bulk), or a simple string.</summary>
    public bool TryReadBulk(out ReadOnlySpan<byte> value)
    {
        if (_data[_pos] == (byte)'+')
        {
            value = Line((byte)'+');
            return true;
        }
        var length = RespReply.ParseLength(Line((byte)'$'));
        if (length < 0)
        {
            value = default;
            return false;
        }
        value = _data.Slice(_pos, (int)length);
        _pos += (int)length + 2;
        return true;
    }

    public long ReadInteger()
    {
        var line = Line((byte)':');
        if (!Utf8Parser.TryParse(line, out long value, out var consumed) || consumed != line.Length)
        {
            throw new InvalidDataException("bad integer in a RESP reply");
        }
        return value;
    }

    private ReadOnlySpan<byte> Line(byte expectedType)
    {
        var end = _data[_pos..].IndexOf("\r\n"u8);
        var line = _data.Slice(_pos + 1, end - 1);
        if (_data[_pos] != expectedType)
        {
            throw new InvalidDataException(_data[_pos] == (byte)'-'
                ? "the server answered: " + System.Text.Encoding.UTF8.GetString(line)
                : $"unexpected RESP type '{(char)_data[_pos]}', expected '{(char)expectedType}'");
        }
        _pos += end + 2;
        return line;
    }
}
