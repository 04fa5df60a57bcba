using System.Globalization;

namespace SysopsFast.Cli;

/// <summary>
/// The errors the CLI finds itself: its own arguments, and the processes and files it handles
/// (the embedded server, an output file). The library's errors come from the library call that
/// finds them; these name the CLI's flags, which the library never does.
/// </summary>
internal static class CliErrors
{
    public static SysopsFastException BadArgument(string what, ErrorRemedy remedy = ErrorRemedy.None) => new(what, ErrorKind.InvalidInput, remedy);

    public static SysopsFastException EmbeddedServerFailed(int port, Exception inner) =>
        new($"cannot start the embedded server on 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)} ({FirstLine(inner)}); choose another port", ErrorKind.Local, ErrorRemedy.Port, inner);

    public static SysopsFastException WriteFailed(string path, Exception inner) =>
        new($"cannot write '{path}' ({FirstLine(inner)}); check free space and permissions", ErrorKind.Local, inner: inner);

    public static SysopsFastException ReadFailed(string path, Exception inner) =>
        new($"cannot read '{path}' ({FirstLine(inner)}); check that it exists and may be read", ErrorKind.Local, inner: inner);

    /// <summary><c>import -</c> with nothing piped in would wait for a tar stream typed at the terminal.</summary>
    public static SysopsFastException StdinIsTerminal() =>
        new("import - reads a tar stream from standard input, which is a terminal; pipe one in: tar -C DIR -c . | sysops-fast import -", ErrorKind.InvalidInput);

    private static string FirstLine(Exception e) => e.Message.Split('\n', 2)[0].Trim();
}
