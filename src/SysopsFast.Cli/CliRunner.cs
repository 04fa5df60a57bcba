using System.Globalization;

namespace SysopsFast.Cli;

/// <summary>Exit codes like grep's, and the one place where errors become a single stderr line.</summary>
internal static class CliRunner
{
    public const int Matched = 0;
    public const int NoMatch = 1;
    public const int Error = 2;
    public const int Interrupted = 130;

    public static async Task<int> RunAsync(Func<Task<int>> handler, TextWriter stderr, bool verbose)
    {
        try
        {
            return await handler();
        }
        catch (SysopsFastException e)
        {
            // serve picks the HTTP status by the error's kind.
            Serve.RequestConsole.Current?.Failure = e;
            // Messages carry names from the fleet (keys, files, tar entries): no escape sequence reaches the terminal.
            await stderr.WriteLineAsync("sysops-fast: " + Output.ControlEscaping.Escape(UsageError.OneLine(e.Message)) + Remedy(e.Remedy));
            if (verbose)
            {
                await stderr.WriteLineAsync(e.ToString());
            }
            return Error;
        }
        catch (IOException e) when (IsBrokenPipe(e))
        {
            // `| head` closed the pipe: the reader has what it wanted.
            return Matched;
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("sysops-fast: interrupted");
            return Interrupted;
        }
        catch (Exception e)
        {
            // A bug, not a user error: still one line, with the detail behind --verbose.
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"sysops-fast: internal error: {e.GetType().Name}: {e.Message.Split('\n')[0]} (run with --verbose for details and report it)"));
            if (verbose)
            {
                await stderr.WriteLineAsync(e.ToString());
            }
            return Error;
        }
    }

    /// <summary>The library names no flag; here each remedy gets the options that apply it.</summary>
    internal static string Remedy(ErrorRemedy remedy) => remedy switch
    {
        ErrorRemedy.ServerAddress => " (--server, or the topology file)",
        ErrorRemedy.AllowPartial => " (--allow-partial)",
        ErrorRemedy.HostRestriction => " (--hosts, --host, --range-query)",
        ErrorRemedy.RangeServer => " (--range-server)",
        ErrorRemedy.TopologyFile => " (--topology)",
        ErrorRemedy.Site => " (--site, --scope)",
        ErrorRemedy.Port => " (--port)",
        ErrorRemedy.PushDirectory => " (--dir)",
        ErrorRemedy.Command => " (--command)",
        ErrorRemedy.Regex => " (-F for literal text)",
        ErrorRemedy.HostCount => " (--hosts)",
        ErrorRemedy.HostName => " (--hostname)",
        ErrorRemedy.AllowSensitive => " (--allow-sensitive)",
        ErrorRemedy.Tls => " (--tls-ca, --tls-cert, --tls-key)",
        _ => "",
    };

    /// <summary>EPIPE on Linux: .NET reports a failed write(2) as an IOException whose HResult is the errno.</summary>
    private const int Epipe = 32;

    /// <summary>The reader of our output is gone (<c>| head</c>); told by the errno, not by a message's words.</summary>
    internal static bool IsBrokenPipe(IOException e) => e.HResult == Epipe;
}
