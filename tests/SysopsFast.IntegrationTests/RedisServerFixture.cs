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

    /// <summary>redis-server on a free loopback port, with <paramref name="extraArguments"/>.</summary>
    public static Task<RedisProcess> StartAsync(params string[] extraArguments) => StartAsync(_ => extraArguments);

    /// <summary>
    /// redis-server on a free loopback port, with arguments that may name the port (a TLS port, a
    /// cluster's node file). A free port is only free until someone binds it: when another process
    /// took it first, ours exits, and another port is tried.
    /// </summary>
    public static async Task<RedisProcess> StartAsync(Func<int, IEnumerable<string>> arguments, Func<int>? choosePort = null)
    {
        const int tries = 5;
        for (var attempt = 1; ; attempt++)
        {
            var port = (choosePort ?? RedisServerFixture.FreePort)();
            var (redis, why) = await TryStartAsync(port, arguments(port));
            if (redis is not null)
            {
                return redis;
            }
            if (attempt == tries)
            {
                throw new InvalidOperationException($"redis-server did not start in {tries} tries; the last: {why}");
            }
        }
    }

    /// <summary>redis-server on exactly <paramref name="port"/>; an error, never another process's server, when that port is taken.</summary>
    public static async Task<RedisProcess> StartOnPortAsync(int port, params string[] extraArguments) =>
        (await TryStartAsync(port, extraArguments)) is ({ } redis, _) ? redis : throw new InvalidOperationException($"redis-server did not start on port {port}");

    /// <summary>
    /// Starts the process and waits until it says it accepts connections, which it says only once it
    /// holds its listening sockets: a connection that succeeds may reach another fixture's server on
    /// a port we were told was free. Null, with the reason, when the process exited instead (a port
    /// taken in between: "Address already in use").
    /// </summary>
    private static async Task<(RedisProcess? Redis, string Why)> TryStartAsync(int port, IEnumerable<string> extraArguments)
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
        // Log level notice: the server's "Ready to accept connections" line is the signal waited for.
        foreach (var a in new[] { "--port", redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "notice" }.Concat(extraArguments))
        {
            start.ArgumentList.Add(a);
        }
        var said = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        redis._process = new Process { StartInfo = start, EnableRaisingEvents = true };
        redis._process.OutputDataReceived += (_, e) => Heard(said, ready, e.Data);
        redis._process.ErrorDataReceived += (_, e) => Heard(said, ready, e.Data);
        redis._process.Exited += (_, _) => ready.TrySetResult(false);
        redis._process.Start();
        redis._process.BeginOutputReadLine();
        redis._process.BeginErrorReadLine();
        bool listening;
        try
        {
            listening = await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            await redis.DisposeAsync();
            throw new InvalidOperationException($"redis-server did not listen on {redis.Address} within 30 s: {string.Join(" | ", said)}");
        }
        if (listening)
        {
            return (redis, "");
        }
        await redis._process.WaitForExitAsync();
        var why = $"it exited with {redis._process.ExitCode} on port {port}: {string.Join(" | ", said)}";
        redis._process.Dispose();
        redis._process = null;
        return (null, why);
    }

    /// <summary>Keeps the first lines the server wrote (why it exited) and notices the one that says it listens.</summary>
    private static void Heard(System.Collections.Concurrent.ConcurrentQueue<string> said, TaskCompletionSource<bool> ready, string? line)
    {
        if (line is null)
        {
            return;
        }
        if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
        {
            ready.TrySetResult(true);
        }
        if (said.Count < 20)
        {
            said.Enqueue(line);
        }
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

    /// <summary>A port found free may be taken before Garnet binds it: then another is tried.</summary>
    public GarnetServerFixture()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // In this process: once Start returns, the listening socket is Garnet's own.
                _server = Server.EmbeddedServer.Start(RedisServerFixture.FreePort(), "1g");
                return;
            }
            catch (Exception) when (attempt < 5)
            {
            }
        }
    }

    public string Address => _server.Address;

    public void Dispose() => _server.Dispose();
}

