using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Pipelines.Sockets.Unofficial;
using SysopsFast.Format;
using SysopsFast.Redis;

namespace SysopsFast.Benchmarks;

/// <summary>What the RESP connection reads from, in <see cref="TransportBenchmarks"/>.</summary>
public enum Transport
{
    /// <summary>Plain TCP, the socket read directly: the query path (the reader queries always had).</summary>
    Socket,

    /// <summary>Plain TCP through a NetworkStream: what plain queries would cost on a Stream-only connection.</summary>
    NetworkStream,

    /// <summary>TLS: an SslStream over the socket read ahead of the parser (ReadAheadTransport), the query path for rediss://.</summary>
    Tls,

    /// <summary>TLS: the SslStream read by the connection's reader itself, as before the read-ahead.</summary>
    TlsDirect,

    /// <summary>Plain TCP through Pipelines.Sockets.Unofficial's SocketConnection (a PipeReader).</summary>
    PipelinesSocket,

    /// <summary>TLS through Pipelines.Sockets.Unofficial's StreamConnection over the SslStream.</summary>
    PipelinesTls,
}

/// <summary>
/// Stage 3's fetch (2,000 sysctl -a records, LZ4, MGETs of 64 keys, two in flight, every value read
/// as a span over the reply's buffer) through our RESP connection over each <see cref="Transport"/>,
/// from one redis-server (started here) that serves plain TCP and TLS on two ports. The connection,
/// its parsing and its pooled reply buffers are the same in every case; only what its reads come
/// from changes. A PipeReader owns its memory, so the pipe variants copy each read into the
/// connection's buffer (a reply must outlive the pipe's segment: a pipe reader copies out either way).
/// </summary>
[MemoryDiagnoser]
public class TransportBenchmarks
{
    private BenchRedis? _redis;
    private string? _dir;
    private byte[][] _keys = [];
    private RespConnection? _connection;

    [Params(Transport.Socket, Transport.NetworkStream, Transport.Tls, Transport.TlsDirect, Transport.PipelinesSocket, Transport.PipelinesTls)]
    public Transport Transport { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _dir = Directory.CreateTempSubdirectory("sysops-fast-bench-tls-").FullName;
        var certificate = BenchRedis.SelfSignedCertificate(_dir);
        _redis = await BenchRedis.StartAsync(certificate);
        var plain = ServerAddress.Parse($"127.0.0.1:{_redis.Port}");
        var tls = ServerAddress.Parse($"rediss://127.0.0.1:{_redis.TlsPort}").WithTls(new TlsFiles(certificate.Cert));
        _keys = await FetchBenchmarks.WriteFleetAsync(plain, PayloadCodec.Lz4);
        _connection = Transport switch
        {
            Transport.Socket => await RespConnection.ConnectAsync(plain, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), CancellationToken.None),
            Transport.Tls => await RespConnection.ConnectAsync(tls, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), CancellationToken.None),
            Transport.NetworkStream => Over(await ConnectedSocketAsync(_redis.Port), s => new StreamTransport(new NetworkStream(s, ownsSocket: false), s)),
            Transport.PipelinesSocket => Over(await ConnectedSocketAsync(_redis.Port), s => new PipeTransport(SocketConnection.Create(s), s)),
            Transport.TlsDirect => await DirectTlsAsync(_redis.TlsPort!.Value, tls),
            Transport.PipelinesTls => await PipelinesTlsAsync(_redis.TlsPort!.Value, tls),
            _ => throw new ArgumentOutOfRangeException(nameof(Transport)),
        };
        // Same answer on every transport, checked once here (a wrong reader must not look fast).
        var bytes = await FetchBenchmarks.FetchAllAsync(_connection, _keys);
        if (bytes < _keys.Length * 1000L)
        {
            throw new InvalidOperationException($"{Transport}: only {bytes} bytes of values for {_keys.Length} keys");
        }
    }

    [Benchmark]
    public Task<long> Fetch() => FetchBenchmarks.FetchAllAsync(_connection!, _keys);

    private static RespConnection Over(Socket socket, Func<Socket, RespTransport> transport) => new(transport(socket), "bench", TimeSpan.FromSeconds(30));

    private static async Task<RespConnection> PipelinesTlsAsync(int port, ServerAddress address)
    {
        var socket = await ConnectedSocketAsync(port);
        var stream = await TlsStreamAsync(socket, address);
        return Over(socket, s => new PipeTransport(StreamConnection.GetDuplex(stream), s));
    }

    private static async Task<RespConnection> DirectTlsAsync(int port, ServerAddress address)
    {
        var socket = await ConnectedSocketAsync(port);
        var stream = await TlsStreamAsync(socket, address);
        return Over(socket, s => new StreamTransport(stream, s));
    }

    private static async Task<Socket> ConnectedSocketAsync(int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return socket;
    }

    /// <summary>A TLS stream over <paramref name="socket"/>, the certificate checked as the query path checks it.</summary>
    private static async Task<SslStream> TlsStreamAsync(Socket socket, ServerAddress address)
    {
        var context = TlsContext.For(address.TlsFiles);
        var stream = new SslStream(new NetworkStream(socket, ownsSocket: false));
        await stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = address.Host,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) => context.Check(address.Host, certificate, chain, errors, out string? _),
        });
        return stream;
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        if (_dir is not null)
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>"Receive into this buffer" over a PipeReader: what is there (up to the buffer's size) is copied, then released to the pipe.</summary>
    private sealed class PipeTransport(IDuplexPipe pipe, Socket socket) : RespTransport
    {
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        public override async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            while (true)
            {
                var result = await pipe.Input.ReadAsync(cancellationToken);
                var data = result.Buffer;
                if (data.IsEmpty)
                {
                    pipe.Input.AdvanceTo(data.End);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        return 0;
                    }
                    continue;
                }
                var n = (int)Math.Min(buffer.Length, data.Length);
                data.Slice(0, n).CopyTo(buffer.Span);
                pipe.Input.AdvanceTo(data.GetPosition(n));
                return n;
            }
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public override async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
            await pipe.Output.WriteAsync(data, cancellationToken);

        public override void Dispose()
        {
            pipe.Input.Complete();
            pipe.Output.Complete();
            (pipe as IDisposable)?.Dispose();
            Close(socket);
        }
    }
}
