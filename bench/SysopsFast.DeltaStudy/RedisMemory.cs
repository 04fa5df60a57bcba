using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace SysopsFast.DeltaStudy;

/// <summary>What one set of values costs a real redis-server: used_memory after loading it, less before (keys: values stored, hash fields included).</summary>
internal sealed record RedisLoad(string What, long Keys, long ValueBytes, long UsedMemory)
{
    public double OverheadPerKey => (UsedMemory - ValueBytes) / (double)Keys;
}

/// <summary>
/// A redis-server of the study's own (loopback, a free port, no persistence), stopped by its
/// process handle. Each set of values is loaded into the empty server and weighed by INFO memory.
/// </summary>
internal sealed class RedisMemory(Process process, ConnectionMultiplexer connection) : IAsyncDisposable
{
    public string Version { get; private set; } = "";

    public static async Task<RedisMemory> StartAsync()
    {
        var port = FreePort();
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(a);
        }
        var started = Process.Start(start)!;
        for (var i = 0; ; i++)
        {
            try
            {
                var opened = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},allowAdmin=true");
                var redis = new RedisMemory(started, opened);
                redis.Version = opened.GetServer($"127.0.0.1:{port}").Version.ToString();
                return redis;
            }
            catch (RedisConnectionException) when (i < 100)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Empties the server, loads <paramref name="values"/> (SETs or HSETs pipelined; hash fields of up to <paramref name="listpackValue"/> bytes kept as a listpack), and weighs them.</summary>
    public async Task<RedisLoad> LoadAsync(string what, int listpackValue, IEnumerable<(string Key, string? Field, byte[] Value)> values)
    {
        var server = connection.GetServers()[0];
        await server.FlushAllDatabasesAsync();
        await server.ConfigSetAsync("hash-max-listpack-value", listpackValue);
        var before = await UsedMemoryAsync(server);
        var db = connection.GetDatabase();
        long keys = 0;
        long bytes = 0;
        foreach (var chunk in values.Chunk(2000))
        {
            await Task.WhenAll(chunk.Select(v => v.Field is null ? db.StringSetAsync(v.Key, v.Value) : db.HashSetAsync(v.Key, v.Field, v.Value)));
            keys += chunk.Length;
            bytes += chunk.Sum(v => (long)v.Value.Length);
        }
        return new RedisLoad(what, keys, bytes, await UsedMemoryAsync(server) - before);
    }

    private static async Task<long> UsedMemoryAsync(IServer server)
    {
        var info = await server.InfoAsync("memory");
        var used = info.SelectMany(g => g).First(e => e.Key == "used_memory").Value;
        return long.Parse(used, CultureInfo.InvariantCulture);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await connection.DisposeAsync();
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
