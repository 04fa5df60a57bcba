using System.Text;

namespace SysopsFast.Cli.Serve;

/// <summary>
/// Standard output and error of one command run for an HTTP request (<c>serve</c>). The commands
/// reach them as they reach the process's own, through <see cref="CommonOptions"/> and Console,
/// which route here while the request's command runs. An AsyncLocal: concurrent requests never
/// share one, and a command run by the CLI sees none.
/// </summary>
internal sealed class RequestConsole
{
    private static readonly AsyncLocal<RequestConsole?> Ambient = new();

    private TextWriter? _outputWriter;

    public RequestConsole(Stream output, IReadOnlyList<string> arguments, string user, string clientHost)
    {
        Output = output;
        Arguments = arguments;
        User = user;
        ClientHost = clientHost;
    }

    /// <summary>The request's console, or null outside one (the CLI).</summary>
    public static RequestConsole? Current => Ambient.Value;

    /// <summary>The response body; commands buffer over it and flush, never close it.</summary>
    public Stream Output { get; }

    /// <summary>The invocation's text output (topology), over <see cref="Output"/>.</summary>
    public TextWriter OutputWriter => _outputWriter ??= TextAsRecords ? new TextRecordWriter(Output) : new StreamWriter(Output, new UTF8Encoding(false), 4096, leaveOpen: true);

    /// <summary>Whether the command prints text only (no --json: topology): each line is sent as a record <c>{"text":…}</c>.</summary>
    public bool TextAsRecords { get; init; }

    /// <summary>What the command says on stderr, line by line.</summary>
    public MessageCollector Error { get; } = new();

    /// <summary>The command line the request stands for (without the program's name): the audit entry's and the cost message's.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Who asked (the HTTP user, or the server's OS user without authentication) and from where.</summary>
    public string User { get; }

    public string ClientHost { get; }

    /// <summary>The Redis ACL user and password of this request's connections (HTTP Basic), or null: the server's own.</summary>
    public (string User, string Password)? Credentials { get; init; }

    /// <summary>serve's open connections for this request's Redis identity (<see cref="Credentials"/>), kept between requests.</summary>
    public FleetSession? Session { get; init; }

    /// <summary>The cost JSON (<see cref="Query.CostMessage"/>) when the command was asked for it.</summary>
    public string? CostJson { get; set; }

    /// <summary>What the query read (keys, bytes, cores answered and missing), for /metrics; null before it ends.</summary>
    public Pipeline.ExtractSummary? Summary { get; set; }

    /// <summary>The library error that ended the command, if one did (its kind picks the HTTP status).</summary>
    public SysopsFastException? Failure { get; set; }

    /// <summary>Makes this the console of the calling async flow (and of what it starts).</summary>
    public void Enter() => Ambient.Value = this;
}

/// <summary>Standard error of a request: whole lines, kept in order, without the program's "sysops-fast: " prefix.</summary>
internal sealed class MessageCollector : TextWriter
{
    private const string Prefix = UsageError.Program + ": ";
    private readonly Lock _lock = new();
    private readonly StringBuilder _line = new();
    private readonly List<string> _lines = [];

    public override Encoding Encoding => Encoding.UTF8;

    /// <remarks>TextWriter writes strings and arrays through this, character by character: messages are short.</remarks>
    public override void Write(char value)
    {
        lock (_lock)
        {
            if (value == '\n')
            {
                EndLine();
            }
            else if (value != '\r')
            {
                _line.Append(value);
            }
        }
    }

    public override Task WriteAsync(string? value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }

    /// <summary>The lines written so far, and the one not yet ended.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return _line.Length > 0 ? [.. _lines, Unprefixed(_line.ToString())] : [.. _lines];
            }
        }
    }

    private void EndLine()
    {
        _lines.Add(Unprefixed(_line.ToString()));
        _line.Clear();
    }

    /// <summary>A line without the program's "sysops-fast: " (the end line's messages, problem+json's detail).</summary>
    public static string Unprefixed(string line) => line.StartsWith(Prefix, StringComparison.Ordinal) ? line[Prefix.Length..] : line;
}

/// <summary>
/// Console.Error while <c>serve</c> runs: the request's own when the calling flow has
/// one (<see cref="RequestConsole.Current"/>), the process's otherwise.
/// </summary>
internal sealed class RoutingWriter(TextWriter process, Func<RequestConsole, TextWriter> pick) : TextWriter
{
    private TextWriter Target => RequestConsole.Current is { } request ? pick(request) : process;

    public override Encoding Encoding => process.Encoding;

    public override void Write(char value) => Target.Write(value);

    public override void Write(string? value) => Target.Write(value);

    public override void Write(char[] buffer, int index, int count) => Target.Write(buffer, index, count);

    public override void WriteLine(string? value) => Target.WriteLine(value);

    public override void WriteLine() => Target.WriteLine();

    public override void Flush() => Target.Flush();

    public override Task WriteAsync(string? value) => Target.WriteAsync(value);

    public override Task WriteLineAsync(string? value) => Target.WriteLineAsync(value);

    public override Task FlushAsync() => Target.FlushAsync();

    /// <summary>
    /// Console.Error routed so (once, when <c>serve</c> starts). Not Console.Out: Console.SetOut
    /// puts one lock around every request's writes, so a slow client would hold back the others;
    /// the one query command that prints text (topology) writes to its invocation's output.
    /// </summary>
    public static void Install() => Console.SetError(new RoutingWriter(Console.Error, r => r.Error));
}

/// <summary>Text lines written as NDJSON records <c>{"text":"…"}</c>, for a command that has no --json.</summary>
internal sealed class TextRecordWriter(Stream output) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            using (var json = new System.Text.Json.Utf8JsonWriter(output, ServeJson.Options))
            {
                json.WriteStartObject();
                json.WriteString("text", _line.ToString());
                json.WriteEndObject();
            }
            output.WriteByte((byte)'\n');
            _line.Clear();
        }
        else if (value != '\r')
        {
            _line.Append(value);
        }
    }

    public override void Flush() => output.Flush();

    public override Task FlushAsync() => output.FlushAsync();
}
