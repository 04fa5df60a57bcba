using System.Globalization;
using System.Runtime.InteropServices;
using SysopsFast.Server;

// sysops-fast-server --port P [--memory SIZE]: the embedded server in the foreground until SIGINT or
// SIGTERM. `sysops-fast server` and `sysops-fast demo` start it; it prints one line once it listens.
var port = 6379;
var memory = "4g";
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--port" when int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536:
            port = p;
            break;
        case "--memory":
            memory = args[i + 1];
            break;
        default:
            await Console.Error.WriteLineAsync($"sysops-fast-server: unknown or bad option '{args[i]} {args[i + 1]}'; usage: sysops-fast-server --port P [--memory 4g]");
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
