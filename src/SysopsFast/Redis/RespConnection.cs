using System.Buffers;
using System.Buffers.Text;
using System.Net.Sockets;
using System.Text;

namespace SysopsFast.Redis;

/// <summary>
/// A query's own pipelined RESP2 connection to one server (standalone, or one node of a cluster), over plain TCP or TLS (a
/// <see cref="RespTransport"/>). It exists for speed: it connects in a round trip or two
/// (StackExchange.Redis's handshake took 130-250 ms of a sub-second query), and each reply lands whole
/// in a pooled buffer that the reply then owns, so MGET values are read where they arrived. Commands
/// are answered in order; a reply nobody waits for any more is disposed when it arrives. A Redis
/// Cluster gets one per primary (<see cref="ClusterRouter"/>).
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

    /// <summary>
    /// A command (or <paramref name="Replies"/> commands sent together) not answered yet: who waits
    /// (nobody for an ASKING sent before its command: its reply is dropped), and what was asked.
    /// </summary>
    private readonly record struct Pending(TaskCompletionSource<RespReply>? Reply, CommandLabel Command, int Replies = 1);

    /// <summary>
    /// A command's name for messages, and whether an ACL refusal is its reply. One object per known
    /// command and kind, made once: a command in flight carries one reference more, no string.
    /// </summary>
    private sealed record CommandLabel(string Name, bool RefusalIsReply);

    private readonly RespTransport _transport;
    private readonly string _server;
    private readonly TimeSpan _commandTimeout;
    private readonly Queue<Pending> _pending = new();
    private readonly Lock _pendingLock = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _closed = new();
    private readonly Timer _watchdog;
    private Task _reader = Task.CompletedTask;
    private long _lastProgress = Environment.TickCount64;
    private long _received;
    private long _receivedSinceProgress;
    private Exception? _failure;

    internal RespConnection(RespTransport transport, string server, TimeSpan commandTimeout)
    {
        _transport = transport;
        _server = server;
        _commandTimeout = commandTimeout;
        // A server that stops answering (a hung machine) must fail the query's core over to its
        // twin within the command timeout, as StackExchange.Redis's own timeout would.
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(commandTimeout.TotalMilliseconds / 4, 10, 1000));
        _watchdog = new Timer(_ => CheckProgress(), null, tick, tick);
        _reader = Task.Run(ReadLoopAsync, CancellationToken.None);
    }

    public string Server => _server;

    /// <summary>The connection failed (or was closed); a new query needs a new one.</summary>
    public bool IsBroken => Volatile.Read(ref _failure) is not null;

    /// <summary>
    /// Connects (with TLS for a rediss:// address), authenticates (<see cref="RedisPassword"/>),
    /// selects the database and checks that the server serves data. A failure is one error that names
    /// its cause: unreachable, TLS (certificate, client certificate, a port of the other kind),
    /// authentication, permission.
    /// </summary>
    public static async Task<RespConnection> ConnectAsync(ServerAddress address, TimeSpan connectTimeout, TimeSpan commandTimeout, CancellationToken cancellationToken)
    {
        // Before any connection: a password file open to others is refused, whatever the server.
        var password = address.Password ?? RedisPassword.Read();
        var tlsContext = address.Tls ? TlsContext.For(address.TlsFiles) : null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(connectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        RespTransport? transport = null;
        TlsHandshake? tls = null;
        RespConnection? connection = null;
        var connected = false;
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
                connected = true;
                if (tlsContext is not null)
                {
                    (var stream, tls) = await StreamTransport.ConnectTlsAsync(socket, address, tlsContext, deadline.Token);
                    // Decryption ahead of parsing, on another core; plain TCP has nothing to overlap (the pump only added CPU).
                    transport = new ReadAheadTransport(stream);
                }
                else
                {
                    transport = new SocketTransport(socket);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SocketException((int)SocketError.TimedOut);
            }
            connection = new RespConnection(transport, address.ToString(), commandTimeout);
            await connection.HandshakeAsync(address, password, deadline.Token);
            return connection;
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidDataException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var receivedNothing = connection is null || Interlocked.Read(ref connection._received) == 0;
            await CloseAsync(connection, transport, socket);
            var cause = tls?.Explain(e);
            if (cause is null && connected && receivedNothing)
            {
                cause = await StreamTransport.ExplainSilenceAsync(address, tlsContext, handshakeDone: tls is not null, e);
            }
            throw cause ?? Errors.ServerUnreachable(address.ToString(), e is OperationCanceledException ? new TimeoutException("no answer", e) : e);
        }
        catch
        {
            await CloseAsync(connection, transport, socket);
            throw;
        }
    }

    private static async Task CloseAsync(RespConnection? connection, RespTransport? transport, Socket socket)
    {
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
        else if (transport is not null)
        {
            transport.Dispose();
        }
        else
        {
            socket.Dispose();
        }
    }

    /// <summary>AUTH and SELECT if needed, EXISTS (a server still loading is not ready) and INFO cluster, in one round trip.</summary>
    private async Task HandshakeAsync(ServerAddress address, string? password, CancellationToken cancellationToken)
    {
        var handshake = new List<Task<RespReply>>();
        var authenticates = password is not null || address.User is not null;
        if (authenticates)
        {
            // A user without a password: its ACL may say nopass (any password is then accepted).
            handshake.Add(address.User is { } user ? SendAsync("AUTH", [user, password ?? ""]) : SendAsync("AUTH", [password!]));
        }
        if (address.Database != 0)
        {
            handshake.Add(SendAsync("SELECT", [address.Database.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
        }
        // A data command: a server still loading its dataset answers -LOADING and is skipped.
        var exists = handshake.Count;
        handshake.Add(SendAsync("EXISTS", [KeyCatalog.Prefix + "objects"]));
        handshake.Add(SendAsync("INFO", ["cluster"]));
        var replies = await Task.WhenAll(handshake).WaitAsync(cancellationToken);
        try
        {
            // A server without cluster support may refuse INFO's section, and an ACL may refuse INFO:
            // that is "not a cluster", unless EXISTS was redirected (MOVED: a cluster node).
            var info = replies[^1].Read();
            var existsError = replies[exists].Read().Error;
            IsCluster = (info.Error is null && info.TryReadBulk(out var text) && text.IndexOf("cluster_enabled:1"u8) >= 0)
                || existsError?.StartsWith("MOVED", StringComparison.Ordinal) == true;
            // AUTH and SELECT must succeed; EXISTS too (-LOADING: not ready), except on a
            // cluster node, which may answer MOVED for a key of another node's slot.
            for (var i = 0; i < replies.Length - 1; i++)
            {
                if (replies[i].Read().Error is not { } error || (IsCluster && i == exists))
                {
                    continue;
                }
                if (authenticates && i == 0)
                {
                    throw Errors.AuthenticationFailed(_server, address.User, password is not null, error);
                }
                throw (Exception?)Errors.FromServerError(_server, i == exists ? "EXISTS" : "SELECT", error, address.User, password is not null) ?? new InvalidDataException(error);
            }
        }
        finally
        {
            foreach (var reply in replies)
            {
                reply.Dispose();
            }
        }
    }

    /// <summary>The server runs in cluster mode (its slots must be routed; a cluster client does that).</summary>
    public bool IsCluster { get; private set; }

    /// <summary>A handshake command: every error reply, an ACL refusal included, is its reply (the handshake words it).</summary>
    private Task<RespReply> SendAsync(string command, string[] args) =>
        SendAsync(refusalIsReply: true, Encoding.UTF8.GetBytes(command), Array.ConvertAll(args, Encoding.UTF8.GetBytes));

    /// <summary>
    /// Sends one command; its reply (an error reply included) completes the task, in order. An ACL
    /// refusal (NOPERM) fails it with an error naming the server, the command and Redis's words.
    /// </summary>
    public Task<RespReply> SendAsync(ReadOnlySpan<byte> command, params ReadOnlySpan<byte[]> args) => SendAsync(false, command, args);

    /// <summary>As <see cref="SendAsync(ReadOnlySpan{byte}, ReadOnlySpan{byte[]})"/>; with <paramref name="refusalIsReply"/>, an ACL refusal is the reply (for commands whose caller copes without them).</summary>
    public Task<RespReply> SendAsync(bool refusalIsReply, ReadOnlySpan<byte> command, params ReadOnlySpan<byte[]> args) =>
        Send(refusalIsReply, asking: false, command, args);

    /// <summary>
    /// ASKING and then the command, in one write (a cluster's ASK redirection): the node importing a
    /// slot serves a command for it only right after ASKING, so nothing may be sent in between. The
    /// task is the command's reply; ASKING's is dropped.
    /// </summary>
    public Task<RespReply> SendAskingAsync(ReadOnlySpan<byte> command, params ReadOnlySpan<byte[]> args) =>
        Send(refusalIsReply: false, asking: true, command, args);

    private static ReadOnlySpan<byte> Asking => "*1\r\n$6\r\nASKING\r\n"u8;

    private Task<RespReply> Send(bool refusalIsReply, bool asking, ReadOnlySpan<byte> command, ReadOnlySpan<byte[]> args)
    {
        var buffer = LargeBuffers.Rent(Asking.Length + EncodedLength(command, args));
        var pos = 0;
        if (asking)
        {
            Asking.CopyTo(buffer);
            pos = Asking.Length;
        }
        Encode(buffer, ref pos, command, args);
        return SendEncodedAsync(buffer, pos, Label(command, refusalIsReply), asking: asking);
    }

    /// <summary>At least the bytes <see cref="Encode"/> writes for one command.</summary>
    private static int EncodedLength(ReadOnlySpan<byte> command, ReadOnlySpan<byte[]> args)
    {
        var length = 32 + command.Length;
        foreach (var a in args)
        {
            length += a.Length + 16;
        }
        return length;
    }

    private static void Encode(byte[] buffer, ref int pos, ReadOnlySpan<byte> command, ReadOnlySpan<byte[]> args)
    {
        WriteHeader(buffer, ref pos, (byte)'*', args.Length + 1);
        WriteBulk(buffer, ref pos, command);
        foreach (var a in args)
        {
            WriteBulk(buffer, ref pos, a);
        }
    }

    /// <summary>
    /// Pipelines <c>command key tail…</c> for each of <paramref name="keys"/> (at least one) in one
    /// write; their replies, in order, come back as one reply holding them back to back (read them
    /// in turn from one <see cref="RespFrame"/>). As cheap as one command over many keys, without
    /// a script: the server runs nothing but the command.
    /// </summary>
    public Task<RespReply> SendEachAsync(ReadOnlySpan<byte> command, byte[][] keys, params ReadOnlySpan<byte[]> tail)
    {
        var length = 0L;
        foreach (var k in keys)
        {
            length += EachLength(command, k, tail);
        }
        var buffer = LargeBuffers.Rent(checked((int)length));
        var pos = 0;
        foreach (var k in keys)
        {
            EncodeEach(buffer, ref pos, command, k, tail);
        }
        return SendEncodedAsync(buffer, pos, Label(command, false), keys.Length);
    }

    /// <summary>As <see cref="SendEachAsync(ReadOnlySpan{byte}, byte[][], ReadOnlySpan{byte[]})"/>, the keys from a page (encoded before this returns).</summary>
    public Task<RespReply> SendEachAsync(ReadOnlySpan<byte> command, KeyPage keys, params ReadOnlySpan<byte[]> tail)
    {
        var length = 0L;
        for (var i = 0; i < keys.Count; i++)
        {
            length += EachLength(command, keys[i], tail);
        }
        var buffer = LargeBuffers.Rent(checked((int)length));
        var pos = 0;
        for (var i = 0; i < keys.Count; i++)
        {
            EncodeEach(buffer, ref pos, command, keys[i], tail);
        }
        return SendEncodedAsync(buffer, pos, Label(command, false), keys.Count);
    }

    /// <summary>At least the bytes <see cref="EncodeEach"/> writes.</summary>
    private static long EachLength(ReadOnlySpan<byte> command, ReadOnlySpan<byte> key, ReadOnlySpan<byte[]> tail)
    {
        var length = 48L + command.Length + key.Length;
        foreach (var a in tail)
        {
            length += a.Length + 16;
        }
        return length;
    }

    /// <summary><c>command key tail…</c>, one of the commands <see cref="SendEachAsync(ReadOnlySpan{byte}, byte[][], ReadOnlySpan{byte[]})"/> pipelines.</summary>
    private static void EncodeEach(byte[] buffer, ref int pos, ReadOnlySpan<byte> command, ReadOnlySpan<byte> key, ReadOnlySpan<byte[]> tail)
    {
        WriteHeader(buffer, ref pos, (byte)'*', tail.Length + 2);
        WriteBulk(buffer, ref pos, command);
        WriteBulk(buffer, ref pos, key);
        foreach (var a in tail)
        {
            WriteBulk(buffer, ref pos, a);
        }
    }

    /// <summary>
    /// One command whose arguments are the keys of a page (MGET), encoded before this returns; with
    /// <paramref name="asking"/>, ASKING first in the same write (see <see cref="SendAskingAsync"/>).
    /// </summary>
    public Task<RespReply> SendAsync(ReadOnlySpan<byte> command, KeyPage keys, bool asking = false)
    {
        ReadOnlySpan<int> end = [keys.Count];
        var buffer = LargeBuffers.Rent(Asking.Length + RunsLength(command, keys));
        var pos = 0;
        if (asking)
        {
            Asking.CopyTo(buffer);
            pos = Asking.Length;
        }
        EncodeRuns(buffer, ref pos, command, keys, end);
        return SendEncodedAsync(buffer, pos, Label(command, false), asking: asking);
    }

    /// <summary>
    /// One command per run of a page's keys (a cluster node's MGETs of a batch, one per hash slot:
    /// run <c>i</c> is the keys from <c>ends[i - 1]</c> to <c>ends[i]</c>), all in one write; their
    /// replies, in order, come back as one reply holding them back to back, as
    /// <see cref="SendEachAsync(ReadOnlySpan{byte}, KeyPage, ReadOnlySpan{byte[]})"/>'s do.
    /// </summary>
    public Task<RespReply> SendRunsAsync(ReadOnlySpan<byte> command, KeyPage keys, ReadOnlySpan<int> ends)
    {
        var buffer = LargeBuffers.Rent(RunsLength(command, keys) + (ends.Length * (32 + command.Length)));
        var pos = 0;
        EncodeRuns(buffer, ref pos, command, keys, ends);
        return SendEncodedAsync(buffer, pos, Label(command, false), ends.Length);
    }

    /// <summary>At least the bytes of the keys' bulk strings and one command's header.</summary>
    private static int RunsLength(ReadOnlySpan<byte> command, KeyPage keys)
    {
        var length = 32L + command.Length;
        for (var i = 0; i < keys.Count; i++)
        {
            length += keys[i].Length + 16;
        }
        return checked((int)length);
    }

    private static void EncodeRuns(byte[] buffer, ref int pos, ReadOnlySpan<byte> command, KeyPage keys, ReadOnlySpan<int> ends)
    {
        var start = 0;
        foreach (var end in ends)
        {
            WriteHeader(buffer, ref pos, (byte)'*', end - start + 1);
            WriteBulk(buffer, ref pos, command);
            for (var i = start; i < end; i++)
            {
                WriteBulk(buffer, ref pos, keys[i]);
            }
            start = end;
        }
    }

    private static readonly CommandLabel AskingLabel = new("ASKING", true);

    private static readonly string[] KnownCommands = ["MGET", "EXISTS", "PING", "ZSCAN", "ZRANGEBYSCORE", "ZREM", "SCAN", "GET", "GETRANGE", "PUBLISH", "INFO", "AUTH", "SELECT", "CLUSTER", "STRLEN", "READONLY"];

    private static readonly CommandLabel[] StrictLabels = Array.ConvertAll(KnownCommands, c => new CommandLabel(c, false));

    private static readonly CommandLabel[] TolerantLabels = Array.ConvertAll(KnownCommands, c => new CommandLabel(c, true));

    private static CommandLabel Label(ReadOnlySpan<byte> command, bool refusalIsReply)
    {
        for (var i = 0; i < KnownCommands.Length; i++)
        {
            if (System.Text.Ascii.Equals(command, KnownCommands[i]))
            {
                return refusalIsReply ? TolerantLabels[i] : StrictLabels[i];
            }
        }
        return new CommandLabel(Encoding.ASCII.GetString(command).ToUpperInvariant(), refusalIsReply);
    }

    private async Task<RespReply> SendEncodedAsync(byte[] command, int length, CommandLabel label, int replies = 1, bool asking = false)
    {
        var reply = new TaskCompletionSource<RespReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        await WriteAsync(command, length, (reply, label, replies, asking), static (pending, w) =>
        {
            if (w.asking)
            {
                pending.Enqueue(new Pending(null, AskingLabel));
            }
            pending.Enqueue(new Pending(w.reply, w.label, w.replies));
        });
        return await reply.Task;
    }

    /// <summary>Queues the waiters of <paramref name="command"/>'s replies (<paramref name="enqueue"/>) and sends it; the buffer goes back to the pool.</summary>
    private async Task WriteAsync<TWaiters>(byte[] command, int length, TWaiters waiters, Action<Queue<Pending>, TWaiters> enqueue)
    {
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
                    if (_pending.Count == 0)
                    {
                        // Waiting starts now, not at the last reply of an idle connection.
                        Volatile.Write(ref _lastProgress, Environment.TickCount64);
                    }
                    // Queued before the bytes leave, so the reader always finds its waiter.
                    enqueue(_pending, waiters);
                }
                await _transport.SendAsync(command.AsMemory(0, length), _closed.Token);
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
        catch (Exception e) when (e is SocketException or IOException)
        {
            Abort(e);
            throw Failed(e);
        }
        finally
        {
            LargeBuffers.Return(command);
        }
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
        var buffer = LargeBuffers.Rent(InitialBuffer);
        int start = 0, filled = 0, resumeAt = 0;
        long pendingElements = 1, missing = 1;
        var replyBegins = true;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    // Full, with one reply still incomplete: move it to the front, or to a bigger buffer.
                    var partial = filled - start;
                    var target = partial > buffer.Length / 2 ? LargeBuffers.Rent(RespReply.GrowBuffer(buffer.Length, partial, missing)) : buffer;
                    Buffer.BlockCopy(buffer, start, target, 0, partial);
                    if (target != buffer)
                    {
                        LargeBuffers.Return(buffer);
                        buffer = target;
                    }
                    resumeAt -= start;
                    start = 0;
                    filled = partial;
                }
                var want = (int)Math.Min(buffer.Length - filled, Math.Max(ReadChunk, missing));
                var n = await _transport.ReceiveAsync(buffer.AsMemory(filled, want), _closed.Token);
                if (n == 0)
                {
                    throw new IOException("the server closed the connection");
                }
                filled += n;
                _received += n;
                // Progress is a whole reply or 1 MiB of one: a server that trickles bytes must not hold the query for ever.
                if ((_receivedSinceProgress += n) >= MinProgressBytes)
                {
                    MarkProgress();
                }
                while (start < filled)
                {
                    if (replyBegins)
                    {
                        // As many top-level replies as its command was sent for make one reply.
                        pendingElements = NextReplies();
                        replyBegins = false;
                    }
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
                        var copy = LargeBuffers.Rent(end);
                        Buffer.BlockCopy(buffer, start, copy, 0, end);
                        reply = new RespReply(copy, 0, end);
                        start += end;
                    }
                    else
                    {
                        // A large reply (an MGET) keeps the buffer it arrived in; what follows it moves.
                        reply = new RespReply(buffer, start, end);
                        var rest = filled - (start + end);
                        // Sized for another reply like this one when another command waits, so it rarely has
                        // to grow; else small: a connection kept open between queries holds no large buffer.
                        var next = LargeBuffers.Rent(Math.Max(InitialBuffer, Math.Max(rest * 2, MoreAwaited() ? end + (end / 4) : 0)));
                        Buffer.BlockCopy(buffer, start + end, next, 0, rest);
                        buffer = next;
                        start = 0;
                        filled = rest;
                    }
                    resumeAt = start;
                    missing = 1;
                    replyBegins = true;
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
            LargeBuffers.Return(buffer);
        }
    }

    /// <summary>How many replies the oldest waiting command takes (1 when none waits: the reply is then refused).</summary>
    private long NextReplies()
    {
        lock (_pendingLock)
        {
            return _pending.TryPeek(out var next) ? next.Replies : 1;
        }
    }

    /// <summary>Whether a command other than the one being answered waits for its reply.</summary>
    private bool MoreAwaited()
    {
        lock (_pendingLock)
        {
            return _pending.Count > 1;
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
        Pending pending;
        bool found;
        lock (_pendingLock)
        {
            found = _pending.TryDequeue(out pending);
        }
        if (!found)
        {
            reply.Dispose();
            throw new InvalidDataException("the server sent a reply nobody asked for");
        }
        if (pending.Reply is null)
        {
            reply.Dispose(); // ASKING's +OK (a refusal shows in its command's reply: ASK again)
            return;
        }
        if (!pending.Command.RefusalIsReply && reply.Span.StartsWith("-NOPERM"u8))
        {
            var refusal = reply.Read().Error!;
            reply.Dispose();
            pending.Reply.TrySetException(Errors.NoPermission(_server, pending.Command.Name, refusal));
            return;
        }
        if (!pending.Reply.TrySetResult(reply))
        {
            reply.Dispose();
        }
    }

    /// <summary>How long commands have waited without a reply (or 1 MiB of one) arriving; 0 when none waits.</summary>
    public long StalledMilliseconds
    {
        get
        {
            lock (_pendingLock)
            {
                if (_pending.Count == 0)
                {
                    return 0;
                }
            }
            return Math.Max(0, Environment.TickCount64 - Volatile.Read(ref _lastProgress));
        }
    }

    /// <summary>Fails every waiting command with <paramref name="reason"/> and closes the connection (a node found dead by a liveness probe).</summary>
    public void Fail(Exception reason) => Abort(reason);

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
        Pending[] waiters;
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
            w.Reply?.TrySetException(failure);
        }
    }

    private Exception Failed(Exception reason) => reason switch
    {
        TimeoutException t => t,
        SysopsFastException s => s,
        _ => new IOException($"connection to {_server} lost: {reason.Message}", reason),
    };

    /// <summary>
    /// Fails every waiting command and closes the socket now, so the server never runs what it was
    /// sent and has not answered (a query stopped mid-way); <see cref="DisposeAsync"/> still follows.
    /// </summary>
    public void Close()
    {
        Abort(new OperationCanceledException("the query was stopped"));
        _transport.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _watchdog.DisposeAsync();
        Abort(new ObjectDisposedException(nameof(RespConnection), "the query is over"));
        _transport.Dispose();
        await _reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _closed.Dispose();
        _sendLock.Dispose();
    }
}
