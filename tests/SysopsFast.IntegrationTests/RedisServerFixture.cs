using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// A real redis-server on a loopback port of its own, started for the test class and stopped (by its
/// PID) afterwards. test.sh installs Debian's redis-server package when it is missing.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private Process? _process;

    public int Port { get; private set; }

    public string Address => $"127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed; run ./test.sh, which installs Debian's redis-server package");
        Port = FreePort();
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList = { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException($"redis-server did not listen on {Address} within 10 s");
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process?.Dispose();
        return Task.CompletedTask;
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The embedded Garnet server, in this process, on its own loopback port.</summary>
public sealed class GarnetServerFixture : IDisposable
{
    private readonly Server.EmbeddedServer _server;

    public GarnetServerFixture()
    {
        _server = Server.EmbeddedServer.Start(RedisServerFixture.FreePort(), "1g");
    }

    public string Address => _server.Address;

    public void Dispose() => _server.Dispose();
}
