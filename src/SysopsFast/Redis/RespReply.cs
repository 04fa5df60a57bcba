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

    /// <summary>
    /// Checks that this reply is an array of <paramref name="count"/> strings or nils (an MGET's
    /// shape): run where the reply arrives, so a server answering nonsense fails over as one that
    /// drops does, before workers read the values.
    /// </summary>
    public void CheckStrings(int count, string command)
    {
        var frame = Read();
        if (frame.Error is { } error)
        {
            throw new InvalidDataException($"{command} failed: {error}");
        }
        var n = frame.ReadArrayLength();
        if (n != count)
        {
            throw new InvalidDataException($"{command} of {count} keys answered {n} values");
        }
        for (var i = 0; i < n; i++)
        {
            frame.TryReadBulk(out _);
        }
    }

    public void Dispose()
    {
        if (_buffer is { } b)
        {
            _buffer = null;
            LargeBuffers.Return(b);
        }
    }

    /// <summary>
    /// The longest string a server may send: the longest value a query reads is a record
    /// (dictionaries are read at most 1 MiB + 1 byte at a time, INFO is a few KiB). A longer length prefix (a 4 GB one, or a
    /// bulk that never ends) is refused before any byte of it is awaited.
    /// </summary>
    public static readonly int MaxBulkLength = Format.RecordDecoder.MaxRecordLength;

    /// <summary>
    /// The most elements one array may declare: fetches ask for at most 10,000 keys a page and
    /// MGETs 512, and the longest list a query reads whole is a catalog's object names. Readers
    /// size arrays from the count, so it is capped before they see it.
    /// </summary>
    public const int MaxArrayLength = 1 << 20;

    /// <summary>
    /// The longest reply: one record of the largest size and a batch of small ones (MGETs aim at
    /// 1 MiB). A reply that keeps coming past it (an endless array) is refused, so the client's
    /// memory stays bounded whatever a server sends.
    /// </summary>
    public static readonly int MaxReplyLength = MaxBulkLength + (16 << 20);

    /// <summary>Status, error, integer and length lines are short; one this long without its end is not RESP.</summary>
    public const int MaxLineLength = 64 * 1024;

    /// <summary>Past this, a buffer still too small for its reply grows to <see cref="MaxReplyLength"/> at once.</summary>
    private const int LargeReply = 8 << 20;

    /// <summary>
    /// The end of the first complete reply in <paramref name="data"/>, or -1 if more bytes are needed.
    /// <paramref name="resumeAt"/> and <paramref name="pending"/> carry the scan over between calls
    /// (start with 0 and 1), so a large reply arriving in many reads is walked once, not once per read.
    /// When incomplete, <paramref name="missing"/> is how many more bytes are certainly needed (at least 1).
    /// Walks nested arrays with one counter, no recursion, so nesting costs only its bytes.
    /// Throws <see cref="InvalidDataException"/> for bytes that are not RESP or break a limit above.
    /// </summary>
    public static int FindEnd(ReadOnlySpan<byte> data, ref int resumeAt, ref long pending, out long missing)
    {
        missing = 1;
        var pos = resumeAt;
        while (pending > 0)
        {
            if (pos > MaxReplyLength)
            {
                throw ReplyTooLong();
            }
            if (pos >= data.Length)
            {
                resumeAt = pos;
                return -1;
            }
            var lineEnd = data[pos..].IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                if (data.Length - pos > MaxLineLength)
                {
                    throw new InvalidDataException($"a RESP line longer than {MaxLineLength} bytes");
                }
                resumeAt = pos;
                return -1;
            }
            if (lineEnd == 0)
            {
                throw new InvalidDataException("an empty RESP line");
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
                    if (length > MaxBulkLength)
                    {
                        throw new InvalidDataException($"a string of {length} bytes, over the {MaxBulkLength} bytes of the longest record");
                    }
                    if (length >= 0)
                    {
                        if (next + length + 2L > MaxReplyLength)
                        {
                            throw ReplyTooLong();
                        }
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
                    if (count > MaxArrayLength)
                    {
                        throw new InvalidDataException($"an array of {count} elements, over the limit of {MaxArrayLength}");
                    }
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

    private static InvalidDataException ReplyTooLong() => new($"a reply longer than {MaxReplyLength} bytes, more than any query asks for at once");

    /// <summary>
    /// The size of the buffer that a reply still arriving moves to when <paramref name="current"/>
    /// bytes are full of it: twice as big, or big enough for what is known to be missing; past
    /// 8 MiB the largest a reply may need, at once (pages are touched only as bytes arrive), so a
    /// large reply is not copied again and again, and the buffers left behind stay small.
    /// </summary>
    public static int GrowBuffer(int current, int partial, long missing)
    {
        var wanted = Math.Max(2L * current, partial + missing);
        var size = wanted > LargeReply ? MaxReplyLength + MaxLineLength : wanted;
        return size > partial ? (int)size : throw ReplyTooLong();
    }

    internal static long ParseLength(ReadOnlySpan<byte> digits)
    {
        if (!Utf8Parser.TryParse(digits, out long value, out var consumed) || consumed != digits.Length || value < -1)
        {
            throw new InvalidDataException($"bad length '{Printable(digits)}' in a RESP reply");
        }
        return value;
    }

    /// <summary>Bytes from the network for an error message: ASCII letters and digits kept, the rest escaped, 32 at most.</summary>
    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new System.Text.StringBuilder();
        foreach (var b in bytes[..Math.Min(bytes.Length, 32)])
        {
            text.Append(b is >= 0x21 and < 0x7f ? ((char)b).ToString() : $"\\x{b:x2}");
        }
        return bytes.Length > 32 ? text.Append('…').ToString() : text.ToString();
    }
}

/// <summary>
/// A forward-only reader over one RESP2 reply (one <see cref="RespReply.FindEnd"/> accepted, so
/// every length in it is within the limits). A reply of another shape than the one asked for
/// throws <see cref="InvalidDataException"/>, never reads past its end.
/// </summary>
internal ref struct RespFrame
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;

    public RespFrame(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
    }

    public readonly byte PeekType => _pos < _data.Length ? _data[_pos] : throw EndedEarly();

    /// <summary>An error reply's text ("LOADING Redis is loading …"), or null.</summary>
    public readonly string? Error => _data.Length >= 3 && _data[0] == (byte)'-' ? System.Text.Encoding.UTF8.GetString(_data[1..^2]) : null;

    /// <summary>An array header: its length (-1 for a null array).</summary>
    public int ReadArrayLength()
    {
        var count = RespReply.ParseLength(Line((byte)'*'));
        return count <= RespReply.MaxArrayLength ? (int)count : throw new InvalidDataException($"an array of {count} elements, over the limit of {RespReply.MaxArrayLength}");
    }

    /// <summary>A bulk string (false for a null bulk), or a simple string.</summary>
    public bool TryReadBulk(out ReadOnlySpan<byte> value)
    {
        if (PeekType == (byte)'+')
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
        if (length + 2 > _data.Length - _pos)
        {
            throw EndedEarly();
        }
        value = _data.Slice(_pos, (int)length);
        _pos += (int)length + 2;
        return true;
    }

    /// <summary>An error reply's text, read past ("WRONGTYPE …"), or false for any other reply (not read).</summary>
    public bool TryReadError(out string error)
    {
        if (PeekType != (byte)'-')
        {
            error = "";
            return false;
        }
        error = System.Text.Encoding.UTF8.GetString(Line((byte)'-'));
        return true;
    }

    /// <summary>A string, status or integer as text, at most <paramref name="maxLength"/> bytes (CLUSTER SHARDS mixes them in its maps).</summary>
    public string ReadText(int maxLength)
    {
        if (PeekType == (byte)':')
        {
            return ReadInteger().ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        if (!TryReadBulk(out var value))
        {
            return "";
        }
        return value.Length <= maxLength ? System.Text.Encoding.UTF8.GetString(value) : throw new InvalidDataException($"a field of {value.Length} bytes where at most {maxLength} belong");
    }

    /// <summary>Reads past one element of any shape, nested arrays included (a field a newer server added).</summary>
    public void Skip()
    {
        for (long pending = 1; pending > 0; pending--)
        {
            switch (PeekType)
            {
                case (byte)'*':
                    pending += Math.Max(0, ReadArrayLength());
                    break;
                case (byte)'-':
                    TryReadError(out _);
                    break;
                case (byte)':':
                    ReadInteger();
                    break;
                default:
                    TryReadBulk(out _);
                    break;
            }
        }
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
        var type = PeekType;
        var end = _data[_pos..].IndexOf("\r\n"u8);
        if (end < 0)
        {
            throw EndedEarly();
        }
        var line = _data.Slice(_pos + 1, end - 1);
        if (type != expectedType)
        {
            throw new InvalidDataException(type == (byte)'-'
                ? "the server answered: " + System.Text.Encoding.UTF8.GetString(line)
                : $"{TypeName(type)} where {TypeName(expectedType)} belongs");
        }
        _pos += end + 2;
        return line;
    }

    private static string TypeName(byte type) => type switch
    {
        (byte)'+' => "a status",
        (byte)':' => "an integer",
        (byte)'$' => "a string",
        (byte)'*' => "an array",
        _ => $"type byte 0x{type:x2}",
    };

    private static InvalidDataException EndedEarly() => new("the reply ended before what it announced");
}
