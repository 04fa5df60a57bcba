using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;

namespace SysopsFast.Redis;

/// <summary>
/// What a <see cref="RespConnection"/> reads replies from and writes commands to: "receive into this
/// buffer" and "send these bytes". Plain TCP reads the socket directly (<see cref="SocketTransport"/>,
/// the path queries always had); TLS reads an <see cref="SslStream"/> over it (<see cref="StreamTransport"/>),
/// ahead of the parser (<see cref="ReadAheadTransport"/>). The connection above is the same, so both
/// keep its pooled reply buffers.
/// </summary>
internal abstract class RespTransport : IDisposable
{
    /// <summary>Bytes received into <paramref name="buffer"/>; 0 when the server closed the connection.</summary>
    public abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    public abstract ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Closes the connection (a read waiting on it ends).</summary>
    public abstract void Dispose();

    protected static void Close(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already gone.
        }
        catch (ObjectDisposedException)
        {
            // Already closed.
        }
        socket.Dispose();
    }
}

/// <summary>Plain TCP: the socket itself.</summary>
internal sealed class SocketTransport(Socket socket) : RespTransport
{
    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        await socket.SendAsync(data, SocketFlags.None, cancellationToken);

    public override void Dispose() => Close(socket);
}

/// <summary>
/// A stream over a connected socket: TLS (an <see cref="SslStream"/>, whose handshake failures are
/// explained), or any other stream (the benchmarks read plain TCP through a NetworkStream this way).
/// </summary>
internal sealed class StreamTransport : RespTransport
{
    private readonly Socket _socket;
    private readonly Stream _stream;

    internal StreamTransport(Stream stream, Socket socket)
    {
        _socket = socket;
        _stream = stream;
    }

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) => _stream.ReadAsync(buffer, cancellationToken);

    public override ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => _stream.WriteAsync(data, cancellationToken);

    public override void Dispose()
    {
        _stream.Dispose();
        Close(_socket);
    }

    /// <summary>The TLS handshake on a connected socket; a failure is a one-line error that names its cause.</summary>
    public static async Task<(StreamTransport Transport, TlsHandshake Handshake)> ConnectTlsAsync(Socket socket, ServerAddress address, TlsContext context, CancellationToken cancellationToken)
    {
        var handshake = new TlsHandshake(address, context, new FirstByteStream(new NetworkStream(socket, ownsSocket: false)));
        var stream = new SslStream(handshake.Inner, leaveInnerStreamOpen: false);
        try
        {
            await stream.AuthenticateAsClientAsync(handshake.Options(), cancellationToken);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await stream.DisposeAsync();
            throw handshake.Explain(e) ?? Errors.TlsFailed(address.ToString(), "the handshake failed (" + Innermost(e) + ")", e);
        }
        return (new StreamTransport(stream, socket), handshake);
    }

    /// <summary>
    /// Why a server that accepted the TCP connection answered nothing: a TLS port drops a plain
    /// client without a word, a plain port waits for a TLS client's hello to end, and a server that
    /// requires a client certificate ends a TLS 1.3 connection right after the handshake (its alert
    /// lost when the client has written meanwhile). One more short connection asks; null when none
    /// of these is the cause.
    /// </summary>
    public static async Task<SysopsFastException?> ExplainSilenceAsync(ServerAddress address, TlsContext? context, bool handshakeDone, Exception failure)
    {
        var server = address.ToString();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(address.Host, address.Port, deadline.Token);
            if (context is not null && !handshakeDone)
            {
                // A plain Redis port answers an inline PING.
                await socket.SendAsync("PING\r\n"u8.ToArray(), SocketFlags.None, deadline.Token);
                var first = new byte[1];
                return await socket.ReceiveAsync(first, SocketFlags.None, deadline.Token) == 1 && first[0] is (byte)'+' or (byte)'-'
                    ? Errors.TlsToPlainPort(server, failure)
                    : null;
            }
            var handshake = new TlsHandshake(address, context ?? TlsContext.AcceptAny, new FirstByteStream(new NetworkStream(socket, ownsSocket: false)));
            await using var stream = new SslStream(handshake.Inner);
            try
            {
                await stream.AuthenticateAsClientAsync(handshake.Options(), deadline.Token);
                if (context is null)
                {
                    return Errors.PlainToTlsPort(server, failure);
                }
                // Nothing is written: the server's alert, if it sends one, is read whole.
                return await stream.ReadAsync(new byte[1], deadline.Token) == 0
                    ? Errors.TlsFailed(server, context.ClientCertificate is null
                        ? "the server closed the connection right after the handshake; it may require a client certificate, and none was given"
                        : "the server closed the connection right after the handshake; it may have rejected the client certificate (" + context.ClientDescription + ")", failure)
                    : null;
            }
            catch (Exception e) when (e is AuthenticationException or IOException)
            {
                return context is null
                    ? handshake.Inner.First is 0x16 or 0x15 ? Errors.PlainToTlsPort(server, failure) : null
                    : handshake.Explain(e);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            return null;
        }
    }

    internal static string Innermost(Exception e)
    {
        var x = e;
        while (x.InnerException is not null)
        {
            x = x.InnerException;
        }
        return x.Message.Split('\n', 2)[0].Trim();
    }
}

/// <summary>One TLS handshake's context: what its certificate check refused, and the server's first byte.</summary>
internal sealed class TlsHandshake(ServerAddress address, TlsContext context, FirstByteStream inner)
{
    private string? _refusal;

    public FirstByteStream Inner => inner;

    private readonly System.Security.Cryptography.X509Certificates.X509ChainPolicy? _chainPolicy = context.ChainPolicy();

    public SslClientAuthenticationOptions Options() => new()
    {
        TargetHost = address.Host,
        RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Check(certificate, chain, errors),
        ClientCertificates = context.ClientCertificate is { } client ? [client] : null,
        CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        CertificateChainPolicy = _chainPolicy,
    };

    private bool Check(System.Security.Cryptography.X509Certificates.X509Certificate? certificate, System.Security.Cryptography.X509Certificates.X509Chain? chain, SslPolicyErrors errors)
    {
        var ok = context.Check(address.Host, certificate, chain, errors, out var why, chainFromPolicy: _chainPolicy is not null);
        _refusal ??= why;
        return ok;
    }

    /// <summary>
    /// The cause of a failure during or right after the handshake (a server that wants a client
    /// certificate says so after it, at the first read), or null when it is not a TLS matter.
    /// </summary>
    public SysopsFastException? Explain(Exception e)
    {
        var server = address.ToString();
        if (_refusal is { } why)
        {
            return Errors.TlsFailed(server, why, e);
        }
        if (inner.First is { } first and not (0x16 or 0x15))
        {
            return Errors.TlsToPlainPort(server, e);
        }
        for (var x = e; x is not null; x = x.InnerException)
        {
            var alert = x.Message;
            if (alert.Contains("certificate required", StringComparison.OrdinalIgnoreCase) && context.ClientCertificate is null)
            {
                return Errors.TlsFailed(server, "the server requires a client certificate and none was given", e);
            }
            if (alert.Contains("alert", StringComparison.OrdinalIgnoreCase) && alert.Contains("SSL routines", StringComparison.Ordinal))
            {
                var text = alert[(alert.IndexOf("SSL routines", StringComparison.Ordinal) + "SSL routines".Length)..].Trim(':', ' ');
                return context.ClientCertificate is not null && !text.Contains("protocol", StringComparison.OrdinalIgnoreCase)
                    ? Errors.TlsFailed(server, $"the server rejected the client certificate ({context.ClientDescription}): {text}", e)
                    : Errors.TlsFailed(server, $"the server ended the handshake: {text}", e);
            }
        }
        return null;
    }
}

/// <summary>A stream that remembers the first byte the server sent (TLS records start with 0x16 or 0x15).</summary>
internal sealed class FirstByteStream(Stream inner) : Stream
{
    public byte? First { get; private set; }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        First is null ? ReadFirstAsync(buffer, cancellationToken) : inner.ReadAsync(buffer, cancellationToken);

    private async ValueTask<int> ReadFirstAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        if (n > 0)
        {
            First = buffer.Span[0];
        }
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = inner.Read(buffer, offset, count);
        if (n > 0 && First is null)
        {
            First = buffer[offset];
        }
        return n;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
