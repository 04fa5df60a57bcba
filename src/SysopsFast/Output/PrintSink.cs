using System.Buffers;
using SysopsFast.Grep;

namespace SysopsFast.Output;

/// <summary>
/// Prints selected lines, optionally as <c>host:line</c>. Each worker gathers a record's lines in a
/// pooled buffer and hands the whole record to the shared output at once, so lines of different
/// hosts never interleave mid-line and the lock is taken once per record, not per line.
/// Its <see cref="TextStyle"/> escapes control characters on a terminal and colours as GNU grep
/// does; matches to colour are found again in each printed line by the worker's own matcher.
/// </summary>
public sealed class PrintSink : IGrepSink
{
    private readonly PrintSinkFactory _owner;
    private readonly TextStyle _style;
    private readonly IMatcher? _highlight;
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private byte[] _host = new byte[256];
    private int _hostLength;

    internal PrintSink(PrintSinkFactory owner)
    {
        _owner = owner;
        _style = owner.Style;
        _highlight = owner.Style.Colours ? owner.Highlight?.CloneForWorker() : null;
    }

    /// <inheritdoc/>
    public void BeginRecord(ReadOnlySpan<byte> key)
    {
        // The whole key when the pattern selects several objects per host (host#object:line).
        var host = _owner.NameByKey ? key : SysopsFast.ObjectKey.HostOf(key);
        if (_host.Length < host.Length)
        {
            _host = new byte[host.Length];
        }
        host.CopyTo(_host);
        _hostLength = host.Length;
    }

    /// <inheritdoc/>
    public bool NeedsLineNumbers => _owner.LineNumbers;

    /// <inheritdoc/>
    public bool Matched(ReadOnlySpan<byte> line) => Matched(line, 0);

    /// <summary><c>host:N:line</c>, as GNU grep prints a line of one of many files with <c>-n</c>.</summary>
    public bool Matched(ReadOnlySpan<byte> line, long lineNumber) => Line(line, lineNumber, (byte)':');

    /// <summary>A context line: <c>host-N-line</c>, GNU grep's '-' in place of ':'.</summary>
    public void Context(ReadOnlySpan<byte> line, long lineNumber) => Line(line, lineNumber, (byte)'-');

    /// <summary>The record's first group: "--" first if another record's output came before (under the output's lock).</summary>
    public void GroupStart() => _startsAfterOthers = true;

    /// <inheritdoc/>
    public void GroupBreak() => _buffer.Write(_style.GroupSeparator);

    private bool _startsAfterOthers;

    private bool Line(ReadOnlySpan<byte> line, long lineNumber, byte separator)
    {
        if (_owner.PrefixHostnames)
        {
            _style.Write(_buffer, TextRole.Host, _host.AsSpan(0, _hostLength));
            _style.Write(_buffer, TextRole.Separator, [separator]);
        }
        if (_owner.LineNumbers)
        {
            Span<byte> digits = stackalloc byte[20];
            lineNumber.TryFormat(digits, out var written, provider: System.Globalization.CultureInfo.InvariantCulture);
            _style.Write(_buffer, TextRole.LineNumber, digits[..written]);
            _style.Write(_buffer, TextRole.Separator, [separator]);
        }
        WriteText(line);
        _buffer.Write("\n"u8);
        if (_buffer.WrittenCount > 256 * 1024)
        {
            Flush();
        }
        return true;
    }

    /// <summary>The line, its matches coloured (all of it with -o, where the text is the match).</summary>
    private void WriteText(ReadOnlySpan<byte> line)
    {
        if (_owner.MatchesOnly)
        {
            _style.Write(_buffer, TextRole.Match, line);
            return;
        }
        var written = 0;
        var start = 0;
        while (_highlight is not null && start <= line.Length && _highlight.FindInLine(line, start, out var at, out var length))
        {
            if (length == 0)
            {
                start = LineBounds.AfterCharacter(line, at); // GNU colours no empty match; look one character further
                continue;
            }
            _style.Write(_buffer, line[written..at]);
            _style.Write(_buffer, TextRole.Match, line.Slice(at, length));
            written = start = at + length;
        }
        _style.Write(_buffer, line[written..]);
    }

    /// <inheritdoc/>
    public void EndRecord(long selectedLines) => Flush();

    private void Flush()
    {
        if (_buffer.WrittenCount == 0)
        {
            return;
        }
        _owner.Write(_buffer.WrittenSpan, _startsAfterOthers);
        _startsAfterOthers = false;
        _buffer.ResetWrittenCount();
    }
}

/// <summary>grep's text output: selected lines as GNU grep prints them for many files (<c>host:line</c>), each record's lines written together.</summary>
public sealed class PrintSinkFactory : IGrepSinkFactory
{
    private readonly SharedOutput _output;

    /// <summary>Prints to <paramref name="output"/>, each line after its host when <paramref name="prefixHostnames"/>, with its number when <paramref name="lineNumbers"/>.</summary>
    public PrintSinkFactory(Stream output, bool prefixHostnames, bool lineNumbers = false, TextStyle? style = null)
    {
        Style = style ?? TextStyle.Plain;
        _output = new SharedOutput(output, Style);
        PrefixHostnames = prefixHostnames;
        LineNumbers = lineNumbers;
    }

    /// <summary>Escaping and colour (plain for pipes and files).</summary>
    public TextStyle Style { get; }

    /// <summary>Finds the matches to colour in each printed line (with a colouring <see cref="Style"/>); <see cref="GrepRequest.CreateMatcher"/>.</summary>
    public IMatcher? Highlight { get; init; }

    /// <summary><c>-o</c>: each printed text is a match.</summary>
    public bool MatchesOnly { get; init; }

    /// <summary>Each line after its host name (<c>-H</c>, the default for a fleet).</summary>
    public bool PrefixHostnames { get; }

    /// <summary><c>-n</c>: each line's number in its record.</summary>
    public bool LineNumbers { get; }

    /// <summary>Name each record <c>host#object</c> instead of <c>host</c> (the pattern selects several objects per host).</summary>
    public bool NameByKey { get; init; }

    /// <inheritdoc/>
    public IGrepSink CreateForWorker() => new PrintSink(this);

    internal void Write(ReadOnlySpan<byte> bytes, bool separated = false) => _output.Write(bytes, separated);

    /// <inheritdoc/>
    public void Complete(IReadOnlyList<IGrepSink> workerSinks) => _output.Flush();
}
