using System.Globalization;
using System.Runtime.InteropServices;
using SysopsFast.Server;

// sysops-fast-server [--port P] [--memory SIZE]: the embedded server in the foreground until SIGINT or
// SIGTERM. `sysops-fast server` and `sysops-fast demo` start it; it prints one line once it listens.
const string Usage = "usage: sysops-fast-server [--port P] [--memory SIZE]";
var port = 6379;
var memory = "4g";
for (var i = 0; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--help" or "-h":
            await Console.Out.WriteLineAsync($"""
                sysops-fast-server: the embedded Redis-compatible server (Garnet) on 127.0.0.1, in the foreground until SIGINT or SIGTERM
                {Usage}
                  --port P         port to listen on (default 6379)
                  --memory SIZE    memory for the data (default 4g)
                """);
            return 0;
        case "--port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536:
            port = p;
            i++;
            break;
        case "--memory" when value is not null:
            memory = value;
            i++;
            break;
        default:
            // Never a server started on a default port by a word it did not understand.
            await Console.Error.WriteLineAsync($"sysops-fast-server: unknown option or bad value '{string.Join(' ', args.Skip(i).Take(2))}'; {Usage} (--help for more)");
            return 2;
    }
}

EmbeddedServer server;
try
{
    server = EmbeddedServer.Start(port, memory, quiet: true);
}
catch (Exception e)
{
    await Console.Error.WriteLineAsync($"sysops-fast-server: cannot start on 127.0.0.1:{port} ({e.Message.Split('\n')[0]})");
    return 2;
}
using (server)
{
    var stop = new TaskCompletionSource();
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
    await Console.Out.WriteLineAsync($"sysops-fast-server: listening on {server.Address}");
    await Console.Out.FlushAsync();
    await stop.Task;
}
return 0;
