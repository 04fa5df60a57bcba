using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// A server that speaks RESP but answers every command with -LOADING, as a redis-server does while
/// it loads its dataset after a restart: up, but not ready.
/// </summary>
public sealed class NotReadyServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _clients = [];

    public NotReadyServer()
    {
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
                lock (_clients)
                {
                    _clients.Add(Task.Run(() => ServeAsync(socket)));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        using var stream = new NetworkStream(socket);
        var reply = Encoding.ASCII.GetBytes("-LOADING Redis is loading the dataset in memory\r\n");
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
                // One reply per complete command (an array of bulk strings).
                while (TryConsumeCommand(pending))
                {
                    await stream.WriteAsync(reply, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
        {
        }
    }

    private static bool TryConsumeCommand(List<byte> data)
    {
        var pos = 0;
        if (!TryReadLine(data, ref pos, out var header) || header[0] != '*')
        {
            return false;
        }
        var count = int.Parse(header.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
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
            pos += length + 2;
        }
        data.RemoveRange(0, pos);
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
    }
}
