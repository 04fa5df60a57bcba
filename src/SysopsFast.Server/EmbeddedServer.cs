using Garnet;

namespace SysopsFast.Server;

/// <summary>
/// The embedded server: Garnet, in this process, on loopback. It speaks RESP, so the rest of the
/// tool cannot tell it from redis-server; `demo` and `server` use it so that nothing has to be installed.
/// </summary>
public sealed class EmbeddedServer : IDisposable
{
    private readonly GarnetServer _server;

    private EmbeddedServer(GarnetServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>
    /// Starts on 127.0.0.1:<paramref name="port"/>. <paramref name="memory"/> is Garnet's in-memory
    /// log size: records beyond it would need a storage tier we do not configure, so it must hold the fleet.
    /// </summary>
    public static EmbeddedServer Start(int port, string memory = "4g", bool quiet = true)
    {
        string[] args =
        [
            "--bind", "127.0.0.1",
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--memory", memory,
            "--index", "64m",
            "--logger-level", "Error",
            "--lua",
        ];
        var stdout = Console.Out;
        try
        {
            // Garnet prints a banner on stdout; in quiet mode stdout belongs to the query's answer.
            if (quiet)
            {
                Console.SetOut(TextWriter.Null);
            }
            var server = new GarnetServer(args);
            try
            {
                server.Start();
            }
            catch
            {
                server.Dispose();
                throw;
            }
            return new EmbeddedServer(server, port);
        }
        finally
        {
            if (quiet)
            {
                Console.SetOut(stdout);
            }
        }
    }

    public void Dispose() => _server.Dispose();
}
