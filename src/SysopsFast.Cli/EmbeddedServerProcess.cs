using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SysopsFast.Cli;

/// <summary>
/// The embedded server (Garnet) as a child process: `sysops-fast` is compiled ahead of time and
/// Garnet cannot be, so `server` and `demo` run `sysops-fast-server`, installed next to this
/// program (README, Install), and stop it by its PID.
/// </summary>
internal sealed class EmbeddedServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private EmbeddedServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Address => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    public static async Task<EmbeddedServerProcess> StartAsync(int port, string memory, CancellationToken cancellationToken)
    {
        var start = Locate() ?? throw CliErrors.EmbeddedServerFailed(port, new FileNotFoundException(
            $"sysops-fast-server is not installed next to sysops-fast in {AppContext.BaseDirectory}; publish src/SysopsFast.Server there (README, Install)"));
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--memory");
        start.ArgumentList.Add(memory);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = Process.Start(start) ?? throw CliErrors.EmbeddedServerFailed(port, new InvalidOperationException("the process did not start"));
        var server = new EmbeddedServerProcess(process, port);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            // Ready when it says so on stdout (after it listens); its own error line if it exits first.
            var line = await process.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            if (line is null || !line.Contains("listening", StringComparison.Ordinal))
            {
                await process.WaitForExitAsync(cancellationToken);
                var why = (await errors).Trim().Split('\n')[^1];
                throw CliErrors.EmbeddedServerFailed(port, new InvalidOperationException(why.Length > 0 ? why.Replace("sysops-fast-server: ", "", StringComparison.Ordinal) : "it exited at once"));
            }
            await EnsureListeningAsync(port, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private static ProcessStartInfo? Locate()
    {
        var native = Path.Combine(AppContext.BaseDirectory, "sysops-fast-server");
        if (File.Exists(native))
        {
            return new ProcessStartInfo(native);
        }
        var managed = Path.Combine(AppContext.BaseDirectory, "sysops-fast-server.dll");
        if (File.Exists(managed))
        {
            var start = new ProcessStartInfo("dotnet");
            start.ArgumentList.Add(managed);
            return start;
        }
        return null;
    }

    private static async Task EnsureListeningAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
