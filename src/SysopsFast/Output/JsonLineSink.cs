using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using SysopsFast.Grep;

namespace SysopsFast.Output;

/// <summary>
/// <c>grep --json</c>: one NDJSON object per selected line, <c>{host, object, line_number, line}</c>
/// (<c>line_base64</c> instead of <c>line</c> when the bytes are not UTF-8). Like
/// <see cref="PrintSink"/>, a record's lines go to the output at once, under one lock.
/// </summary>
public sealed class JsonLineSink : IGrepSink
{
    private readonly JsonLineSinkFactory _owner;
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly Utf8JsonWriter _json;
    private string _host = "";
    private string _object = "";

    internal JsonLineSink(JsonLineSinkFactory owner)
    {
        _owner = owner;
        _json = new Utf8JsonWriter(_buffer, JsonLineOptions.Writer);
    }

    /// <inheritdoc/>
    public bool NeedsLineNumbers => true;

    /// <inheritdoc/>
    public void BeginRecord(ReadOnlySpan<byte> key)
    {
        // Names as text (a byte that is not UTF-8 shows as U+FFFD), once per record.
        (_host, _object) = ObjectKey.Split(ObjectKey.Display(key));
    }

    /// <inheritdoc/>
    public bool Matched(ReadOnlySpan<byte> line) => Matched(line, 0);

    /// <inheritdoc/>
    public bool Matched(ReadOnlySpan<byte> line, long lineNumber)
    {
        _json.Reset();
        _json.WriteStartObject();
        _json.WriteString("host"u8, _host);
        _json.WriteString("object"u8, _object);
        _json.WriteNumber("line_number"u8, lineNumber);
        if (Utf8.IsValid(line))
        {
            _json.WriteString("line"u8, line);
        }
        else
        {
            _json.WriteBase64String("line_base64"u8, line);
        }
        _json.WriteEndObject();
        _json.Flush();
        _buffer.Write("\n"u8);
        if (_buffer.WrittenCount > 256 * 1024)
        {
            Flush();
        }
        return true;
    }

    /// <inheritdoc/>
    public void EndRecord(long selectedLines) => Flush();

    private void Flush()
    {
        if (_buffer.WrittenCount > 0)
        {
            _owner.Write(_buffer.WrittenSpan);
            _buffer.ResetWrittenCount();
        }
    }
}

/// <summary>grep's NDJSON: one object per selected line (host, object, line number, line) on <paramref name="output"/>, each record's lines written together.</summary>
public sealed class JsonLineSinkFactory(Stream output) : IGrepSinkFactory
{
    private readonly SharedOutput _output = new(output, TextStyle.Plain);

    /// <inheritdoc/>
    public IGrepSink CreateForWorker() => new JsonLineSink(this);

    internal void Write(ReadOnlySpan<byte> bytes) => _output.Write(bytes);

    /// <inheritdoc/>
    public void Complete(IReadOnlyList<IGrepSink> workerSinks) => _output.Flush();
}
