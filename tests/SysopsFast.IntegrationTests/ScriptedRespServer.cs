using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// A RESP server for tests on a loopback port of its own: it reads each command (an array of bulk
/// strings) and lets <c>answer</c> write whatever it likes in reply, or nothing at all.
/// </summary>
public class ScriptedRespServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<string[], Stream, CancellationToken, Task> _answer;

    /// <param name="answer">Writes the reply to one command (its name and arguments as text).</param>
    public ScriptedRespServer(Func<string[], Stream, CancellationToken, Task> answer)
    {
        _answer = answer;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

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
        using var stream = new NetworkStream(socket);
        var buffer = new byte[64 * 1024];
        var pending = new List<byte>();
        try
        {
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
                    await _answer(command, stream, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
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

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}
