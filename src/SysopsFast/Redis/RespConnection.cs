using System.Buffers;
using System.Buffers.Text;
using System.Net.Sockets;
using System.Text;

namespace SysopsFast.Redis;

/// <summary>
/// A query's own pipelined RESP2 connection to one standalone server over plain TCP. It exists for
/// speed: it connects in a round trip or two (StackExchange.Redis's handshake took 130-250 ms of a
/// sub-second query), and each reply lands whole in a pooled buffer that the reply then owns, so MGET
/// values are read where they arrived. Commands are answered in order; a reply nobody waits for any
/// more is disposed when it arrives. TLS and Redis Cluster stay with StackExchange.Redis.
/// </summary>
internal sealed class RespConnection : IAsyncDisposable
{
    /// <summary>Replies shorter than this are copied out, so the receive buffer is not given away for a few bytes.</summary>
    private const int SmallReply = 64 * 1024;

    private const int InitialBuffer = 256 * 1024;

    /// <summary>
    /// Reads ask for at least this much, and for more only when a value still being received needs
    /// it: what is read past the end of a large reply is copied to the next buffer, so this bounds
    /// the copying (to ~6% of a 1 MiB MGET reply) without a system call per value.
    /// </summary>
    private const int ReadChunk = 64 * 1024;

    /// <summary>Bytes of a reply still arriving that count as an answer for the command timeout (so at least ~100 KB/s at 10 s).</summary>
    private const int MinProgressBytes = 1 << 20;

    private readonly Socket _socket;
    private readonly string _server;
    private readonly TimeSpan _commandTimeout;
    private readonly Queue<TaskCompletionSource<RespReply>> _pending = new();
    private readonly Lock _pendingLock = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _closed = new();
    private readonly Timer _watchdog;
    private Task _reader = Task.CompletedTask;
    private long _lastProgress = Environment.TickCount64;
    private long _receivedSinceProgress;
    private Exception? _failure;

    private RespConnection(Socket socket, string server, TimeSpan commandTimeout)
    {
        _socket = socket;
        _server = server;
        _commandTimeout = commandTimeout;
        // A server that stops answering (a hung machine) must fail the query's core over to its
        // twin within the command timeout, as StackExchange.Redis's own timeout would.
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(commandTimeout.TotalMilliseconds / 4, 10, 1000));
        _watchdog = new Timer(_ => CheckProgress(), null, tick, tick);
    }

    public string Server => _server;

    /// <summary>The connection failed (or was closed); a new query needs a new one.</summary>
    public bool IsBroken => Volatile.Read(ref _failure) is not null;

    /// <summary>Connects, authenticates (SYSOPS_FAST_REDIS_PASSWORD), selects the database and checks that the server serves data.</summary>
    public static async Task<RespConnection> ConnectAsync(ServerAddress address, TimeSpan connectTimeout, TimeSpan commandTimeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(connectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        RespConnection? connection = null;
        try
        {
            try
            {
                // An address given as an IP skips the resolver (and its first-use cost).
                if (System.Net.IPAddress.TryParse(address.Host, out var ip))
                {
                    await socket.ConnectAsync(ip, address.Port, deadline.Token);
                }
                else
                {
                    await socket.ConnectAsync(address.Host, address.Port, deadline.Token);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SocketException((int)SocketError.TimedOut);
            }
            connection = new RespConnection(socket, address.ToString(), commandTimeout);
            connection._reader = Task.Run(connection.ReadLoopAsync, CancellationToken.None);
            var handshake = new List<Task<RespReply>>();
            if (ServerAddress.PasswordFromEnvironment() is { } password)
            {
                handshake.Add(address.User is { } user ? connection.SendAsync("AUTH", [user, password]) : connection.SendAsync("AUTH", [password]));
            }
            if (address.Database != 0)
            {
                handshake.Add(connection.SendAsync("SELECT", [address.Database.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
            }
            // A data command: a server still loading its dataset answers -LOADING and is skipped.
            handshake.Add(connection.SendAsync("EXISTS", [KeyCatalog.Prefix + "objects"]));
            handshake.Add(connection.SendAsync("INFO", ["cluster"]));
            var replies = await Task.WhenAll(handshake).WaitAsync(deadline.Token);
            try
            {
                // A server without cluster support may refuse INFO's section: that is "not a cluster".
                var info = replies[^1].Read();
                connection.IsCluster = info.Error is null && info.TryReadBulk(out var text) && text.IndexOf("cluster_enabled:1"u8) >= 0;
                // AUTH and SELECT must succeed; EXISTS too (-LOADING: not ready), except on a
                // cluster node, which may answer MOVED for a key of another node's slot.
                for (var i = 0; i < replies.Length - 1; i++)
                {
                    if (replies[i].Read().Error is { } error && !(connection.IsCluster && i == replies.Length - 2))
                    {
                        throw new InvalidDataException(error);
                    }
                }
            }
            finally
            {
                foreach (var reply in replies)
                {
                    reply.Dispose();
                }
            }
            return connection;
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidDataException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
            else
            {
                socket.Dispose();
            }
            throw Errors.ServerUnreachable(address.ToString(), e is OperationCanceledException ? new TimeoutException("no answer", e) : e);
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
            else
            {
                socket.Dispose();
            }
            throw;
        }
    }

    /// <summary>The server runs in cluster mode (its slots must be routed; a cluster client does that).</summary>
    public bool IsCluster { get; private set; }

    public Task<RespReply> SendAsync(string command, string[] args) =>
        SendAsync(Encoding.UTF8.GetBytes(command), Array.ConvertAll(args, Encoding.UTF8.GetBytes));

    /// <summary>Sends one command; its reply (an error reply included) completes the task, in order.</summary>
    public Task<RespReply> SendAsync(ReadOnlySpan<byte> command, params ReadOnlySpan<byte[]> args)
    {
        var length = 32 + command.Length;
        foreach (var a in args)
        {
            length += a.Length + 16;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        var pos = 0;
        WriteHeader(buffer, ref pos, (byte)'*', args.Length + 1);
        WriteBulk(buffer, ref pos, command);
        foreach (var a in args)
        {
            WriteBulk(buffer, ref pos, a);
        }
        return SendEncodedAsync(buffer, pos);
    }

    private async Task<RespReply> SendEncodedAsync(byte[] command, int length)
    {
        var reply = new TaskCompletionSource<RespReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _sendLock.WaitAsync(_closed.Token);
            try
            {
                lock (_pendingLock)
                {
                    if (_failure is { } failure)
                    {
                        throw Failed(failure);
                    }
                    // Queued before the bytes leave, so the reader always finds its waiter.
                    _pending.Enqueue(reply);
                }
                await _socket.SendAsync(command.AsMemory(0, length), SocketFlags.None, _closed.Token);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (OperationCanceledException e) when (_closed.IsCancellationRequested)
        {
            throw Failed(_failure ?? e);
        }
        catch (SocketException e)
        {
            Abort(e);
            throw Failed(e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(command);
        }
        return await reply.Task;
    }

    private static void WriteHeader(byte[] buffer, ref int pos, byte type, int value)
    {
        buffer[pos++] = type;
        Utf8Formatter.TryFormat(value, buffer.AsSpan(pos), out var written);
        pos += written;
        buffer[pos++] = (byte)'\r';
        buffer[pos++] = (byte)'\n';
    }

    private static void WriteBulk(byte[] buffer, ref int pos, ReadOnlySpan<byte> value)
    {
        WriteHeader(buffer, ref pos, (byte)'$', value.Length);
        value.CopyTo(buffer.AsSpan(pos));
        pos += value.Length;
        buffer[pos++] = (byte)'\r';
        buffer[pos++] = (byte)'\n';
    }

    private async Task ReadLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        int start = 0, filled = 0, resumeAt = 0;
        long pendingElements = 1, missing = 1;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    // Full, with one reply still incomplete: move it to the front, or to a bigger buffer.
                    var partial = filled - start;
                    var target = partial > buffer.Length / 2 ? ArrayPool<byte>.Shared.Rent(RespReply.GrowBuffer(buffer.Length, partial, missing)) : buffer;
                    Buffer.BlockCopy(buffer, start, target, 0, partial);
                    if (target != buffer)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = target;
                    }
                    resumeAt -= start;
                    start = 0;
                    filled = partial;
                }
                var want = (int)Math.Min(buffer.Length - filled, Math.Max(ReadChunk, missing));
                var n = await _socket.ReceiveAsync(buffer.AsMemory(filled, want), SocketFlags.None, _closed.Token);
                if (n == 0)
                {
                    throw new IOException("the server closed the connection");
                }
                filled += n;
                // Progress is a whole reply or 1 MiB of one: a server that trickles bytes must not hold the query for ever.
                if ((_receivedSinceProgress += n) >= MinProgressBytes)
                {
                    MarkProgress();
                }
                while (start < filled)
                {
                    var relative = resumeAt - start;
                    var end = RespReply.FindEnd(buffer.AsSpan(start, filled - start), ref relative, ref pendingElements, out missing);
                    resumeAt = start + relative;
                    if (end < 0)
                    {
                        break;
                    }
                    RespReply reply;
                    if (end < SmallReply)
                    {
                        var copy = ArrayPool<byte>.Shared.Rent(end);
                        Buffer.BlockCopy(buffer, start, copy, 0, end);
                        reply = new RespReply(copy, 0, end);
                        start += end;
                    }
                    else
                    {
                        // A large reply (an MGET) keeps the buffer it arrived in; what follows it moves.
                        reply = new RespReply(buffer, start, end);
                        var rest = filled - (start + end);
                        // Sized for another reply like this one, so it rarely has to grow.
                        var next = ArrayPool<byte>.Shared.Rent(Math.Max(InitialBuffer, Math.Max(rest * 2, end + (end / 4))));
                        Buffer.BlockCopy(buffer, start + end, next, 0, rest);
                        buffer = next;
                        start = 0;
                        filled = rest;
                    }
                    resumeAt = start;
                    missing = 1;
                    Deliver(reply);
                }
                if (start == filled)
                {
                    start = filled = resumeAt = 0;
                }
            }
        }
        catch (Exception e)
        {
            Abort(e is OperationCanceledException && _failure is not null ? _failure : e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void MarkProgress()
    {
        _receivedSinceProgress = 0;
        Volatile.Write(ref _lastProgress, Environment.TickCount64);
    }

    private void Deliver(RespReply reply)
    {
        MarkProgress();
        TaskCompletionSource<RespReply>? waiter;
        lock (_pendingLock)
        {
            _pending.TryDequeue(out waiter);
        }
        if (waiter is null || !waiter.TrySetResult(reply))
        {
            reply.Dispose();
            if (waiter is null)
            {
                throw new InvalidDataException("the server sent a reply nobody asked for");
            }
        }
    }

    private void CheckProgress()
    {
        bool waiting;
        lock (_pendingLock)
        {
            waiting = _pending.Count > 0;
        }
        if (!waiting)
        {
            Volatile.Write(ref _lastProgress, Environment.TickCount64);
        }
        else if (Environment.TickCount64 - Volatile.Read(ref _lastProgress) > _commandTimeout.TotalMilliseconds)
        {
            Abort(new TimeoutException($"no answer within {_commandTimeout.TotalSeconds:F0} s"));
        }
    }

    /// <summary>Fails every waiting command and closes the connection; the first reason wins.</summary>
    private void Abort(Exception reason)
    {
        TaskCompletionSource<RespReply>[] waiters;
        lock (_pendingLock)
        {
            _failure ??= reason;
            waiters = [.. _pending];
            _pending.Clear();
        }
        _closed.Cancel();
        var failure = Failed(_failure);
        foreach (var w in waiters)
        {
            w.TrySetException(failure);
        }
    }

    private Exception Failed(Exception reason) => reason switch
    {
        TimeoutException t => t,
        SysopsFastException s => s,
        _ => new IOException($"connection to {_server} lost: {reason.Message}", reason),
    };

    public async ValueTask DisposeAsync()
    {
        await _watchdog.DisposeAsync();
        Abort(new ObjectDisposedException(nameof(RespConnection), "the query is over"));
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already gone.
        }
        _socket.Dispose();
        await _reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _closed.Dispose();
        _sendLock.Dispose();
    }
}
