using System.Globalization;
using SysopsFast.Format;

namespace SysopsFast.Redis;

/// <summary>
/// Which primary serves each of a Redis Cluster's 16,384 hash slots, and which replicas copy it, read
/// from CLUSTER SHARDS (Redis 7) or CLUSTER SLOTS (older servers). The reply comes from a server, so
/// it is parsed with bounds: slot numbers in range, ports valid, host names short, at most
/// <see cref="MaxPrimaries"/> primaries and <see cref="MaxReplicas"/> replicas (more are not read
/// from); anything else is a reply of the wrong shape. A map that leaves a slot unserved fails: its
/// keys are keys nobody would list.
/// </summary>
internal sealed class ClusterSlotMap
{
    /// <summary>More primaries than Redis supports in one cluster (about 1,000).</summary>
    public const int MaxPrimaries = 1024;

    /// <summary>Replicas the map may name in all (as many as primaries): a map cannot make us connect to more addresses.</summary>
    public const int MaxReplicas = MaxPrimaries;

    private const int MaxHostLength = 255;

    /// <summary>Per slot, its primary and then its replicas (one array per shard, shared by its slots).</summary>
    private readonly ServerAddress[]?[] _readers = new ServerAddress[]?[ClusterSlots.Count];
    private readonly ServerAddress _seed;
    private readonly HashSet<ServerAddress> _replicas = [];

    private ClusterSlotMap(ServerAddress seed) => _seed = seed;

    /// <summary>Every primary that serves slots when the map was read, in slot order.</summary>
    public IReadOnlyList<ServerAddress> Primaries { get; private set; } = [];

    /// <summary>Every replica of a primary that serves slots (healthy, when the map says).</summary>
    public IReadOnlyCollection<ServerAddress> Replicas => _replicas;

    /// <summary>The primary that serves <paramref name="slot"/>.</summary>
    public ServerAddress Owner(int slot) => Volatile.Read(ref _readers[slot])![0];

    /// <summary>The nodes that can answer a read of <paramref name="slot"/>: its primary first, then its replicas.</summary>
    public ServerAddress[] Readers(int slot) => Volatile.Read(ref _readers[slot])!;

    /// <summary>Whether the map names <paramref name="node"/> as a replica.</summary>
    public bool IsReplica(ServerAddress node) => _replicas.Contains(node);

    /// <summary>A MOVED reply said <paramref name="slot"/> is served by <paramref name="node"/> now (its replicas unknown until the map is read again).</summary>
    public void Moved(int slot, ServerAddress node) => Volatile.Write(ref _readers[slot], [node]);

    /// <summary>Parses a CLUSTER SHARDS reply (RESP2: each shard and each node a flat list of names and values).</summary>
    public static ClusterSlotMap FromShards(RespReply reply, ServerAddress seed)
    {
        var map = new ClusterSlotMap(seed);
        var frame = reply.Read();
        for (var shards = frame.ReadArrayLength(); shards > 0; shards--)
        {
            var ranges = new List<int>();
            ServerAddress? primary = null;
            var online = false;
            var replicas = new List<ServerAddress>();
            for (var fields = Pairs(ref frame); fields > 0; fields--)
            {
                switch (frame.ReadText(64))
                {
                    case "slots":
                        for (var n = frame.ReadArrayLength(); n > 0; n--)
                        {
                            ranges.Add(Slot(frame.ReadText(16)));
                        }
                        break;
                    case "nodes":
                        for (var n = frame.ReadArrayLength(); n > 0; n--)
                        {
                            // A shard may list its failed old primary beside the one that replaced it.
                            if (map.ShardNode(ref frame) is not { } node)
                            {
                                continue;
                            }
                            if (!node.Primary)
                            {
                                // Only a replica in sync is read from (not one loading, or failed).
                                if (node.Synced)
                                {
                                    replicas.Add(node.Address);
                                }
                            }
                            else if (primary is null || (!online && node.Online))
                            {
                                (primary, online) = (node.Address, node.Online);
                            }
                        }
                        break;
                    default:
                        frame.Skip();
                        break;
                }
            }
            if (ranges.Count % 2 != 0 || (ranges.Count > 0 && primary is null))
            {
                throw new InvalidDataException("CLUSTER SHARDS named slots without a range's end or without a primary");
            }
            ServerAddress[] readers = ranges.Count > 0 ? map.ReadersOf(primary, replicas) : [];
            for (var i = 0; i < ranges.Count; i += 2)
            {
                map.Assign(ranges[i], ranges[i + 1], readers);
            }
        }
        return map.Checked();
    }

    /// <summary>A shard's readers, its primary first; replicas past <see cref="MaxReplicas"/> in the whole map are left out.</summary>
    private ServerAddress[] ReadersOf(ServerAddress? primary, List<ServerAddress> replicas)
    {
        var readers = new List<ServerAddress>(replicas.Count + 1) { primary! };
        foreach (var replica in replicas.Where(r => r != primary))
        {
            if (_replicas.Count < MaxReplicas || _replicas.Contains(replica))
            {
                _replicas.Add(replica);
                readers.Add(replica);
            }
        }
        return [.. readers];
    }

    /// <summary>One node of a shard: its address, whether it is the primary, whether the cluster thinks it healthy, and in sync ("online", not loading).</summary>
    private (ServerAddress Address, bool Primary, bool Online, bool Synced)? ShardNode(ref RespFrame frame)
    {
        string ip = "", endpoint = "", port = "", tlsPort = "", role = "", health = "";
        for (var fields = Pairs(ref frame); fields > 0; fields--)
        {
            var name = frame.ReadText(64);
            var value = name is "ip" or "endpoint" or "port" or "tls-port" or "role" or "health" ? frame.ReadText(MaxHostLength) : null;
            switch (name)
            {
                case "ip": ip = value!; break;
                case "endpoint": endpoint = value!; break;
                case "port": port = value!; break;
                case "tls-port": tlsPort = value!; break;
                case "role": role = value!; break;
                case "health": health = value!; break;
                default: frame.Skip(); break;
            }
        }
        if (role is not ("master" or "replica"))
        {
            return null;
        }
        // A TLS cluster names its TLS port apart; the endpoint is the address clients are to use.
        var chosenPort = _seed.Tls && tlsPort.Length > 0 ? tlsPort : port;
        var host = endpoint is "" or "?" ? ip : endpoint;
        if (role == "replica" && (host is "" or "?" || !int.TryParse(chosenPort, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            return null; // a replica without an address is simply not read from
        }
        return (Node(host, chosenPort), role == "master", health != "failed", health == "online");
    }

    /// <summary>Parses a CLUSTER SLOTS reply: [from, to, [host, port, id…], replicas…] per range.</summary>
    public static ClusterSlotMap FromSlots(RespReply reply, ServerAddress seed)
    {
        var map = new ClusterSlotMap(seed);
        var frame = reply.Read();
        for (var ranges = frame.ReadArrayLength(); ranges > 0; ranges--)
        {
            var length = frame.ReadArrayLength();
            if (length < 3)
            {
                throw new InvalidDataException("CLUSTER SLOTS gave a range without a primary");
            }
            var from = Slot(frame.ReadText(16));
            var to = Slot(frame.ReadText(16));
            var fields = frame.ReadArrayLength();
            if (fields < 2)
            {
                throw new InvalidDataException("CLUSTER SLOTS gave a primary without host and port");
            }
            var node = map.Node(frame.ReadText(MaxHostLength), frame.ReadText(16));
            for (var rest = fields - 2; rest > 0; rest--)
            {
                frame.Skip(); // the node's id and metadata
            }
            var replicas = new List<ServerAddress>();
            for (var rest = length - 3; rest > 0; rest--)
            {
                if (map.SlotsReplica(ref frame) is { } replica)
                {
                    replicas.Add(replica);
                }
            }
            map.Assign(from, to, map.ReadersOf(node, replicas));
        }
        return map.Checked();
    }

    /// <summary>A replica of CLUSTER SLOTS: [host, port, id…]; null for one without an address to connect to.</summary>
    private ServerAddress? SlotsReplica(ref RespFrame frame)
    {
        var fields = frame.ReadArrayLength();
        if (fields < 2)
        {
            for (; fields > 0; fields--)
            {
                frame.Skip();
            }
            return null;
        }
        var host = frame.ReadText(MaxHostLength);
        var port = frame.ReadText(16);
        for (var rest = fields - 2; rest > 0; rest--)
        {
            frame.Skip();
        }
        return host == "?" || !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535 ? null : Node(host, port);
    }

    /// <summary>A map's list of names and values: how many pairs.</summary>
    private static int Pairs(ref RespFrame frame)
    {
        var n = frame.ReadArrayLength();
        return n >= 0 && n % 2 == 0 ? n / 2 : throw new InvalidDataException("a cluster map's entry is not a list of names and values");
    }

    private static int Slot(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var slot) && slot < ClusterSlots.Count ? slot : throw new InvalidDataException($"'{text}' is not a hash slot");

    /// <summary>A node's address: the seed's scheme, credentials and TLS files, at the host and port the map gives.</summary>
    private ServerAddress Node(string host, string port)
    {
        if (host == "?" || !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            throw new InvalidDataException($"the cluster names a primary at '{host}' port '{port}', not an address to connect to");
        }
        // An empty host is "the address you reached me at" (a node that does not know its own).
        return _seed with { Host = host.Length == 0 ? _seed.Host : host, Port = number };
    }

    private void Assign(int from, int to, ServerAddress[] readers)
    {
        if (from > to)
        {
            throw new InvalidDataException($"slot range {from}-{to} runs backwards");
        }
        Array.Fill(_readers, readers, from, to - from + 1);
    }

    /// <summary>The map, if it serves every slot with a bounded number of primaries.</summary>
    private ClusterSlotMap Checked()
    {
        var covered = _readers.Count(o => o is not null);
        if (covered < ClusterSlots.Count)
        {
            throw new IOException(string.Create(CultureInfo.InvariantCulture, $"the cluster's slot map serves {covered} of its {ClusterSlots.Count} slots (a primary failed or left), so its keys cannot all be listed"));
        }
        Primaries = [.. _readers.Select(r => r![0]).Distinct()];
        // A node named both primary (of a shard) and replica (of another) is read as the primary it is.
        _replicas.ExceptWith(Primaries);
        return Primaries.Count <= MaxPrimaries ? this : throw new InvalidDataException($"the cluster's slot map names more than {MaxPrimaries} primaries");
    }
}
