using System.Buffers;
using System.Globalization;
using System.Text;
using SysopsFast.Grep;

namespace SysopsFast.Output;

/// <summary>
/// One output line per record instead of its lines: <c>-c</c> (<c>host:count</c>, every record
/// searched, 0 included; NDJSON <c>{host, object, count}</c>), <c>-l</c> (the hosts with a
/// selected line) and <c>-L</c> (the hosts without one), as GNU grep prints them for many files.
/// </summary>
public sealed class RecordLineSink(RecordLineSinkFactory owner) : IGrepSink, ICountingSink
{
    private byte[] _key = [];
    private int _keyLength;

    /// <inheritdoc/>
    public void BeginRecord(ReadOnlySpan<byte> key)
    {
        if (_key.Length < key.Length)
        {
            _key = new byte[key.Length];
        }
        key.CopyTo(_key);
        _keyLength = key.Length;
    }

    /// <inheritdoc/>
    public bool Matched(ReadOnlySpan<byte> line) => true;

    /// <inheritdoc/>
    public void EndRecord(long selectedLines) => owner.Record(_key.AsSpan(0, _keyLength), selectedLines);
}

/// <param name="nameByKey">Name each record <c>host#object</c> (the pattern selects several objects per host).</param>
/// <param name="style">Escaping and colour of host names and separators (none for JSON).</param>
/// <param name="output">Where the lines go.</param>
/// <param name="kind">What each record's line says (its count, or its name when it has a selected line or none).</param>
/// <param name="json">NDJSON instead of text.</param>
public sealed class RecordLineSinkFactory(Stream output, RecordLineKind kind, bool json = false, bool nameByKey = false, TextStyle? style = null) : IGrepSinkFactory
{
    private readonly TextStyle _style = json ? TextStyle.Plain : style ?? TextStyle.Plain;
    private readonly SharedOutput _output = new(output, TextStyle.Plain);

    /// <inheritdoc/>
    public IGrepSink CreateForWorker() => new RecordLineSink(this);

    internal void Record(ReadOnlySpan<byte> key, long selected)
    {
        var printed = kind switch
        {
            RecordLineKind.Count => true,
            RecordLineKind.WithMatch => selected > 0,
            _ => selected == 0,
        };
        if (!printed)
        {
            return;
        }
        if (json && kind == RecordLineKind.Count)
        {
            _output.Write(Json(key, selected));
            return;
        }
        var line = new ArrayBufferWriter<byte>(key.Length + 32);
        _style.Write(line, Output.TextRole.Host, nameByKey ? key : ObjectKey.HostOf(key));
        if (kind == RecordLineKind.Count)
        {
            _style.Write(line, Output.TextRole.Separator, ":"u8);
            line.Write(Encoding.ASCII.GetBytes(selected.ToString(CultureInfo.InvariantCulture)));
        }
        line.Write("\n"u8);
        _output.Write(line.WrittenSpan);
    }

    private static byte[] Json(ReadOnlySpan<byte> key, long count)
    {
        var (host, objectName) = ObjectKey.Split(ObjectKey.Display(key));
        using var buffer = new MemoryStream();
        Output.RecordJson.WriteLine(buffer, j =>
        {
            j.WriteString("host", host);
            j.WriteString("object", objectName);
            j.WriteNumber("count", count);
        });
        return buffer.ToArray();
    }

    /// <inheritdoc/>
    public void Complete(IReadOnlyList<IGrepSink> workerSinks) => _output.Flush();
}
