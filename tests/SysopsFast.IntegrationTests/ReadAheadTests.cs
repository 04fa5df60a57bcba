using System.Net;
using System.Net.Sockets;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// The read-ahead under TLS replies (<see cref="ReadAheadTransport"/>): what it buffers is capped
/// whatever the server sends, it ends when closed, and bytes come out in order across the ring's
/// wrap-around (a real redis-server over TLS, in <see cref="TlsServersFixture"/>).
/// </summary>
public sealed class ReadAheadTests(TlsServersFixture tls) : IClassFixture<TlsServersFixture>
{
    [Fact]
    public async Task A_flooding_server_fills_the_ring_and_no_more_and_disposing_ends_the_pump()
    {
        using var server = new MaliciousServer("PING", Hostility.EndlessFloodedBulk);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, server.Port);
        var transport = new ReadAheadTransport(new SocketTransport(socket));
        await transport.SendAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray(), CancellationToken.None);
        // Nobody reads: the pump fills the ring, then must wait (the server is held by TCP's window).
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (transport.Buffered < ReadAheadTransport.Capacity && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal(ReadAheadTransport.Capacity, transport.Buffered);
        await Task.Delay(300);
        Assert.Equal(ReadAheadTransport.Capacity, transport.Buffered);
        // Reading frees space and the pump refills it.
        var buffer = new byte[ReadAheadTransport.Capacity / 2];
        Assert.Equal(buffer.Length, await transport.ReceiveAsync(buffer, CancellationToken.None));
        Assert.Equal("$1000000000\r\naaa"u8.ToArray(), buffer[..16]);
        transport.Dispose();
        await transport.Pump.WaitAsync(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await transport.ReceiveAsync(buffer, CancellationToken.None));
    }

    [Fact]
    public async Task A_waiting_read_ends_when_cancelled_and_when_the_server_closes()
    {
        using var server = new MaliciousServer("PING", Hostility.Silence);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, server.Port);
        using var transport = new ReadAheadTransport(new SocketTransport(socket));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await transport.ReceiveAsync(new byte[16], cancel.Token));
        // The server closes the connection: the read after is the end (0), then the pump is over.
        server.Dispose();
        Assert.Equal(0, await transport.ReceiveAsync(new byte[16], CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        await transport.Pump.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_value_several_rings_long_arrives_intact_over_tls()
    {
        var value = new byte[(3 * ReadAheadTransport.Capacity) + 12345];
        new Random(18).NextBytes(value);
        var key = "read-ahead-test#value"u8.ToArray();
        await using var connection = await RespConnection.ConnectAsync(tls.Url(tls.Open), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), CancellationToken.None);
        using (var set = await connection.SendAsync("SET"u8, key, value))
        {
            Assert.Null(set.Read().Error);
        }
        try
        {
            // Twice in flight, so the second reply follows the first in the same reads.
            var first = connection.SendAsync("GET"u8, key);
            var second = connection.SendAsync("GET"u8, key);
            foreach (var reply in await Task.WhenAll(first, second))
            {
                using var _ = reply;
                Assert.True(reply.Read().TryReadBulk(out var got));
                Assert.True(got.SequenceEqual(value));
            }
        }
        finally
        {
            (await connection.SendAsync("DEL"u8, key)).Dispose();
        }
    }
}
