using System.Text;
using SysopsFast.Format;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>The cluster slot map read from CLUSTER SHARDS and CLUSTER SLOTS replies, hostile ones included, and the hash slot of a key.</summary>
public sealed class ClusterSlotMapTests
{
    private static readonly ServerAddress Seed = ServerAddress.Parse("10.0.0.1:7000");

    [Fact]
    public void Shards_give_each_slot_its_primary_then_its_replicas_in_sync()
    {
        var map = Shards(
            Shard([0, 8191], Node("replica", "10.0.0.9", 7009), Node("master", "10.0.0.1", 7001), Node("replica", "10.0.0.8", 7008, health: "loading")),
            Shard([8192, 9000, 9001, 16383], Node("master", "10.0.0.2", 7002), Node("replica", "10.0.0.7", 7007, health: "failed")));
        Assert.Equal("10.0.0.1:7001", map.Owner(0).ToString());
        Assert.Equal("10.0.0.1:7001", map.Owner(8191).ToString());
        Assert.Equal("10.0.0.2:7002", map.Owner(9000).ToString());
        Assert.Equal("10.0.0.2:7002", map.Owner(16383).ToString());
        Assert.Equal(["10.0.0.1:7001", "10.0.0.2:7002"], map.Primaries.Select(p => p.ToString()));
        // A replica still loading, or failed, is not read from.
        Assert.Equal(["10.0.0.1:7001", "10.0.0.9:7009"], map.Readers(100).Select(p => p.ToString()));
        Assert.Equal(["10.0.0.2:7002"], map.Readers(9000).Select(p => p.ToString()));
        Assert.True(map.IsReplica(ServerAddress.Parse("10.0.0.9:7009")));
        Assert.False(map.IsReplica(ServerAddress.Parse("10.0.0.1:7001")));

        // MOVED gives the slot to its new primary alone, until the map is read again.
        map.Moved(100, ServerAddress.Parse("10.0.0.2:7002"));
        Assert.Equal(["10.0.0.2:7002"], map.Readers(100).Select(p => p.ToString()));
    }

    [Fact]
    public void Replicas_past_the_bound_are_not_read_from()
    {
        var replicas = Enumerable.Range(0, ClusterSlotMap.MaxReplicas + 5).Select(i => Node("replica", "10.0.1.1", 20000 + i)).ToArray();
        var map = Shards(Shard([0, 16383], [Node("master", "10.0.0.1", 7001), .. replicas]));
        Assert.Equal(ClusterSlotMap.MaxReplicas, map.Replicas.Count);
        Assert.Equal(ClusterSlotMap.MaxReplicas + 1, map.Readers(0).Length);
    }

    [Fact]
    public void Shards_of_a_tls_seed_give_the_tls_port_and_a_failed_primary_yields_to_its_successor()
    {
        var tlsSeed = ServerAddress.Parse("rediss://10.0.0.1:7000");
        var map = ClusterSlotMap.FromShards(Reply(Array(Shard([0, 16383],
            Node("master", "10.0.0.3", 7003, health: "failed", tlsPort: 8003),
            Node("master", "10.0.0.4", 7004, tlsPort: 8004)))), tlsSeed);
        var owner = map.Owner(100);
        Assert.Equal(("10.0.0.4", 8004, true), (owner.Host, owner.Port, owner.Tls));
    }

    [Fact]
    public void Slots_reply_is_read_and_an_empty_host_is_the_seed_s()
    {
        var map = ClusterSlotMap.FromSlots(Reply(Array(
            Array(Int(0), Int(9999), Array(Bulk(""u8), Int(7005), Bulk("id1"u8), Array()), Array(Bulk("10.0.0.8"u8), Int(7008), Bulk("id2"u8))),
            Array(Int(10000), Int(16383), Array(Bulk("10.0.0.6"u8), Int(7006), Bulk("id3"u8))))), Seed);
        Assert.Equal("10.0.0.1:7005", map.Owner(9999).ToString());
        Assert.Equal("10.0.0.6:7006", map.Owner(10000).ToString());
        Assert.Equal(["10.0.0.1:7005", "10.0.0.8:7008"], map.Readers(9999).Select(p => p.ToString()));
    }

    [Fact]
    public void A_map_that_leaves_a_slot_unserved_names_how_many_it_serves()
    {
        var e = Assert.Throws<IOException>(() => Shards(Shard([0, 16382], Node("master", "10.0.0.1", 7001))));
        Assert.Contains("serves 16383 of its 16384 slots", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[]> HostileShards => new()
    {
        { "slot past the last", Array(Shard([0, 16384], Node("master", "10.0.0.1", 7001))) },
        { "range backwards", Array(Shard([16383, 0], Node("master", "10.0.0.1", 7001))) },
        { "range without an end", Array(Shard([0, 100, 101], Node("master", "10.0.0.1", 7001))) },
        { "slots without a primary", Array(Shard([0, 16383], Node("replica", "10.0.0.1", 7001))) },
        { "port 0", Array(Shard([0, 16383], Node("master", "10.0.0.1", 0))) },
        { "port past 65535", Array(Shard([0, 16383], Node("master", "10.0.0.1", 70000))) },
        { "unknown endpoint", Array(Shard([0, 16383], Node("master", "?", 7001, endpoint: "?"))) },
        { "a host of 300 bytes", Array(Shard([0, 16383], Node("master", new string('h', 300), 7001))) },
        { "a name without its value", Array(Array(Bulk("slots"u8))) },
        { "not a list of shards", Bulk("shards"u8) },
        { "an error", "-ERR unknown subcommand\r\n"u8.ToArray() },
        { "more primaries than a cluster has", Array([.. Enumerable.Range(0, ClusterSlotMap.MaxPrimaries + 1).Select(i => Shard([i, i == ClusterSlotMap.MaxPrimaries ? 16383 : i], Node("master", "10.0.0.1", 1000 + i)))]) },
    };

    [Theory]
    [MemberData(nameof(HostileShards))]
    public void A_hostile_shards_reply_is_refused_as_data_of_the_wrong_shape(string what, byte[] reply)
    {
        var e = Assert.Throws<InvalidDataException>(() => ClusterSlotMap.FromShards(Reply(reply), Seed));
        Assert.DoesNotContain('\n', e.Message + what);
    }

    [Fact]
    public void Unknown_fields_of_any_shape_are_skipped()
    {
        var map = Shards(Array(Bulk("future"u8), Array(Array(Int(1)), Bulk("x"u8)), Bulk("slots"u8), Array(Int(0), Int(16383)), Bulk("nodes"u8), Array(Node("master", "10.0.0.1", 7001))));
        Assert.Equal("10.0.0.1:7001", map.Owner(5).ToString());
    }

    [Theory]
    [InlineData("-MOVED 3999 127.0.0.1:6381\r\n", false, "127.0.0.1", 6381)]
    [InlineData("-ASK 3999 10.1.2.3:7000\r\n", true, "10.1.2.3", 7000)]
    [InlineData("-MOVED 1 :6380\r\n", false, "", 6380)]
    [InlineData("-MOVED 1 ::1:6380\r\n", false, "::1", 6380)]
    public void Redirections_name_the_node_to_follow(string reply, bool ask, string host, int port)
    {
        Assert.True(ClusterRouter.TryReadRedirection(Encoding.ASCII.GetBytes(reply), out var isAsk, out var toHost, out var toPort));
        Assert.Equal((ask, host, port), (isAsk, toHost, toPort));
    }

    [Theory]
    [InlineData("-MOVED 1 nowhere\r\n")]
    [InlineData("-ASK 1 h:0\r\n")]
    [InlineData("-ASK 1 h:99999999999\r\n")]
    public void A_redirection_without_an_address_is_refused(string reply) =>
        Assert.Throws<InvalidDataException>(() => ClusterRouter.TryReadRedirection(Encoding.ASCII.GetBytes(reply), out _, out _, out _));

    [Theory]
    [InlineData("-ERR wrong\r\n")]
    [InlineData("-TRYAGAIN Multiple keys request during rehashing of slot\r\n")]
    [InlineData("$3\r\nASK\r\n")]
    public void Other_replies_are_no_redirection(string reply) =>
        Assert.False(ClusterRouter.TryReadRedirection(Encoding.ASCII.GetBytes(reply), out _, out _, out _));

    [Theory]
    [InlineData("foo", 12182)]
    [InlineData("bar", 5061)]
    [InlineData("{user1000}.following", 3443)]
    [InlineData("{user1000}.followers", 3443)]
    [InlineData("foo{}{bar}", 8363)] // an empty tag: the whole key
    [InlineData("foo{{bar}}zap", 4015)] // the tag is "{bar"
    [InlineData("foo{bar}{zap}", 5061)] // the first tag only: "bar"
    public void A_key_s_slot_hashes_its_tag_if_it_has_one(string key, int slot) =>
        Assert.Equal(slot, ClusterSlots.Of(Encoding.UTF8.GetBytes(key)));

    [Fact]
    public void The_hash_is_crc16_xmodem() => Assert.Equal(0x31C3, ClusterSlots.Crc16("123456789"u8));

    // ---- replies ----

    private static ClusterSlotMap Shards(params byte[][] shards) => ClusterSlotMap.FromShards(Reply(Array(shards)), Seed);

    private static byte[] Shard(int[] slots, params byte[][] nodes) =>
        Array(Bulk("slots"u8), Array([.. slots.Select(s => Int(s))]), Bulk("nodes"u8), Array(nodes));

    private static byte[] Node(string role, string ip, int port, string health = "online", int tlsPort = 0, string? endpoint = null) =>
        Array([Bulk("id"u8), Bulk("0123abcd"u8), Bulk("port"u8), Int(port), .. tlsPort > 0 ? new[] { Bulk("tls-port"u8), Int(tlsPort) } : [],
            Bulk("ip"u8), Text(ip), Bulk("endpoint"u8), Text(endpoint ?? ip), Bulk("role"u8), Text(role),
            Bulk("replication-offset"u8), Int(72156), Bulk("health"u8), Text(health)]);

    private static RespReply Reply(byte[] bytes)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(buffer, 0);
        return new RespReply(buffer, 0, bytes.Length);
    }

    private static byte[] Text(string value) => Bulk(Encoding.UTF8.GetBytes(value));

    private static byte[] Bulk(ReadOnlySpan<byte> value) => [.. Encoding.ASCII.GetBytes($"${value.Length}\r\n"), .. value, .. "\r\n"u8];

    private static byte[] Int(long value) => Encoding.ASCII.GetBytes($":{value}\r\n");

    private static byte[] Array(params byte[][] elements) => [.. Encoding.ASCII.GetBytes($"*{elements.Length}\r\n"), .. elements.SelectMany(e => e)];
}
