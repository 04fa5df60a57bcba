using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>One real redis-server process on a loopback port of its own; ended by its PID.</summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private Process? _process;

    private RedisProcess(int port) => Port = port;

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    public static Task<RedisProcess> StartAsync(params string[] extraArguments) => StartOnPortAsync(RedisServerFixture.FreePort(), extraArguments);

    public static async Task<RedisProcess> StartOnPortAsync(int port, params string[] extraArguments)
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed; run ./test.sh, which installs Debian's redis-server package");
        var redis = new RedisProcess(port);
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--port", redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning" }.Concat(extraArguments))
        {
            start.ArgumentList.Add(a);
        }
        redis._process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        redis._process.OutputDataReceived += (_, _) => { };
        redis._process.ErrorDataReceived += (_, _) => { };
        redis._process.BeginOutputReadLine();
        redis._process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, redis.Port);
                return redis;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException($"redis-server did not listen on {redis.Address} within 10 s");
    }

    /// <summary>SIGSTOP: the server keeps its connections open but answers nothing (a hung machine).</summary>
    public void Pause() => Signal("-STOP");

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Signal("-CONT");

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", [signal, _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>SIGKILL, as a crash would: no goodbye to connected clients.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A real redis-server for a test class (test.sh installs Debian's package when missing).</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisProcess? _redis;

    public int Port => _redis!.Port;

    public string Address => _redis!.Address;

    public async Task InitializeAsync() => _redis = await RedisProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
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
