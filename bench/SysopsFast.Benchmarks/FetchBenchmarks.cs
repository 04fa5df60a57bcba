using BenchmarkDotNet.Attributes;
using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;

namespace SysopsFast.Benchmarks;

/// <summary>
/// Stage 3: fetch 2,000 sysctl -a records from a real redis-server (started here on a loopback port
/// of its own, stopped by its PID) in MGETs of 64 keys, two in flight, reading every value as a span.
/// Our own RESP connection against StackExchange.Redis's ExecuteRespAsync + RespReader (the baseline).
/// </summary>
[MemoryDiagnoser]
public class FetchBenchmarks
{
    private const int Hosts = 2000;
    private const int KeysPerMget = 64;
    private BenchRedis? _redis;
    private byte[][] _keys = [];
    private RespConnection? _own;
    private ConnectionMultiplexer? _multiplexer;
    private IDatabase? _db;

    [Params(PayloadCodec.Lz4, PayloadCodec.ZstdDictionary)]
    public PayloadCodec Codec { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _redis = await BenchRedis.StartAsync();
        var server = ServerAddress.Parse($"127.0.0.1:{_redis.Port}");
        _keys = await WriteFleetAsync(server, Codec);
        _own = await RespConnection.ConnectAsync(server, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), CancellationToken.None);
        _multiplexer = await ConnectionMultiplexer.ConnectAsync(server.ToConfiguration());
        _db = _multiplexer.GetDatabase();
    }

    /// <summary>Writes the <see cref="Hosts"/> hosts' fleet to <paramref name="server"/>; the keys of their sysctl -a records.</summary>
    internal static async Task<byte[][]> WriteFleetAsync(ServerAddress server, PayloadCodec codec)
    {
        await FleetGenerator.GenerateAsync(new SyntheticFleet(Hosts, 1), server, codec, null, plain: false, CancellationToken.None);
        return Enumerable.Range(0, Hosts).Select(h => System.Text.Encoding.UTF8.GetBytes(SyntheticFleet.HostName(h) + "#cmd/sysctl-a")).ToArray();
    }

    [Benchmark(Baseline = true)]
    public async Task<long> StackExchangeRespReader()
    {
        long bytes = 0;
        var inFlight = new Queue<Task<RespResult>>();
        for (var offset = 0; offset < _keys.Length || inFlight.Count > 0;)
        {
            if (offset < _keys.Length && inFlight.Count < 2)
            {
                var args = _keys.AsSpan(offset, Math.Min(KeysPerMget, _keys.Length - offset)).ToArray().Select(k => (RedisKeyOrValue)(RedisKey)k).ToArray();
                inFlight.Enqueue(_db!.ExecuteRespAsync("MGET", args));
                offset += KeysPerMget;
                continue;
            }
            using var reply = await inFlight.Dequeue();
            var children = reply.Read().AggregateChildren();
            while (children.MoveNext())
            {
                if (children.Current.TryGetSpan(out var value))
                {
                    bytes += value.Length;
                }
            }
        }
        return bytes;
    }

    [Benchmark]
    public Task<long> OwnRespConnection() => FetchAllAsync(_own!, _keys);

    /// <summary>Every key in MGETs of <see cref="KeysPerMget"/>, two in flight, each value read as a span; the bytes of the values.</summary>
    internal static async Task<long> FetchAllAsync(RespConnection connection, byte[][] keys)
    {
        long bytes = 0;
        var inFlight = new Queue<Task<RespReply>>();
        for (var offset = 0; offset < keys.Length || inFlight.Count > 0;)
        {
            if (offset < keys.Length && inFlight.Count < 2)
            {
                inFlight.Enqueue(connection.SendAsync("MGET"u8, keys.AsSpan(offset, Math.Min(KeysPerMget, keys.Length - offset))));
                offset += KeysPerMget;
                continue;
            }
            using var reply = await inFlight.Dequeue();
            bytes += CountValueBytes(reply);
        }
        return bytes;
    }

    private static long CountValueBytes(RespReply reply)
    {
        var frame = reply.Read();
        long bytes = 0;
        for (var n = frame.ReadArrayLength(); n > 0; n--)
        {
            if (frame.TryReadBulk(out var value))
            {
                bytes += value.Length;
            }
        }
        return bytes;
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_own is not null)
        {
            await _own.DisposeAsync();
        }
        _multiplexer?.Dispose();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
