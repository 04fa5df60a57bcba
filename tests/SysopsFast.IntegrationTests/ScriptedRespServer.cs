using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// A RESP server for tests on a loopback port of its own: it reads each command (an array of bulk
/// strings) and lets <c>answer</c> write whatever it likes in reply, or nothing at all. With a
/// certificate it speaks TLS (the answers are then encrypted, as a TLS port's are).
/// </summary>
public class ScriptedRespServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<string[], Stream, CancellationToken, Task> _answer;
    private readonly X509Certificate2? _certificate;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _received = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="answer">Writes the reply to one command (its name and arguments as text).</param>
    /// <param name="certificate">The server's certificate and key (PEM files): TLS; null: plain TCP.</param>
    public ScriptedRespServer(Func<string[], Stream, CancellationToken, Task> answer, (string Cert, string Key)? certificate = null)
    {
        _answer = answer;
        _certificate = certificate is { } c ? X509Certificate2.CreateFromPemFile(c.Cert, c.Key) : null;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Whether a command named <paramref name="name"/> arrived (any case): an attack on it proves something only then.</summary>
    public bool Received(string name) => _received.ContainsKey(name);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                _ = Task.Run(() => ServeAsync(socket));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        var buffer = new byte[64 * 1024];
        var pending = new List<byte>();
        try
        {
            if (_certificate is not null)
            {
                var tls = new SslStream(stream);
                stream = tls;
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
            }
            while (true)
            {
                var n = await stream.ReadAsync(buffer, _stop.Token);
                if (n == 0)
                {
                    return;
                }
                pending.AddRange(buffer.AsSpan(0, n));
                while (TryConsumeCommand(pending, out var command))
                {
                    _received.TryAdd(command.Length > 0 ? command[0] : "", true);
                    await _answer(command, stream, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    private static bool TryConsumeCommand(List<byte> data, out string[] command)
    {
        command = [];
        var pos = 0;
        if (!TryReadLine(data, ref pos, out var header) || header[0] != '*')
        {
            return false;
        }
        var count = int.Parse(header.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
        var parts = new string[count];
        for (var i = 0; i < count; i++)
        {
            if (!TryReadLine(data, ref pos, out var len))
            {
                return false;
            }
            var length = int.Parse(len.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
            if (data.Count < pos + length + 2)
            {
                return false;
            }
            parts[i] = Encoding.UTF8.GetString(data.GetRange(pos, length).ToArray());
            pos += length + 2;
        }
        data.RemoveRange(0, pos);
        command = parts;
        return true;
    }

    private static bool TryReadLine(List<byte> data, ref int pos, out string line)
    {
        for (var i = pos; i + 1 < data.Count; i++)
        {
            if (data[i] == '\r' && data[i + 1] == '\n')
            {
                line = Encoding.ASCII.GetString(data.GetRange(pos, i - pos).ToArray());
                pos = i + 2;
                return true;
            }
        }
        line = "";
        return false;
    }

    private int _disposed;

    /// <summary>Stops listening and ends every connection (a test may close the server before its end).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
        _certificate?.Dispose();
        GC.SuppressFinalize(this);
    }
}
