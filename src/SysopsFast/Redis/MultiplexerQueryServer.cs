using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace SysopsFast.Redis;

/// <summary>
/// A whole Redis Cluster through StackExchange.Redis (it routes by slot and follows MOVED/ASK), over
/// TLS too: every primary is scanned and MGETs go one per hash slot (a cluster refuses MGET across
/// slots). A standalone server is read through <see cref="RespQueryServer"/>, never through this.
/// </summary>
internal sealed class MultiplexerQueryServer : IQueryServer
{
    private readonly IDatabase _db;

    public MultiplexerQueryServer(IDatabase db, string name)
    {
        _db = db;
        Name = name;
    }

    public string Name { get; }

    public bool IsBroken => !_db.Multiplexer.IsConnected;

    /// <summary>The multiplexer is the process's, closed with <see cref="RedisConnections"/>.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public Task<bool> KeyExistsAsync(byte[] key) => _db.KeyExistsAsync(key);

    public async IAsyncEnumerable<List<(byte[] Member, double Score)>> SortedSetScanAsync(byte[] key, string? match, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken, int maxMemberLength = int.MaxValue, byte[]? memberSuffix = null)
    {
        var page = new List<(byte[], double)>(pageSize);
        await foreach (var entry in _db.SortedSetScanAsync(key, match is null ? default : (RedisValue)match, pageSize).WithCancellation(cancellationToken))
        {
            var member = (byte[])entry.Element!;
            page.Add((member.Length > maxMemberLength ? [] : memberSuffix is null ? member : [.. member, .. memberSuffix], entry.Score));
            if (page.Count == pageSize)
            {
                yield return page;
                page = new List<(byte[], double)>(pageSize);
            }
        }
        yield return page;
    }

    public void RemoveMembers(byte[] key, byte[][] members) =>
        _db.SortedSetRemove(key, Array.ConvertAll(members, m => (RedisValue)m), CommandFlags.FireAndForget);

    public Task<bool[]> KeysExistAsync(byte[][] keys) =>
        Task.WhenAll(keys.Select(k => _db.KeyExistsAsync(k)));

    public Task<(byte[]? Bytes, long Length)[]> GetBoundedAsync(IReadOnlyList<byte[]> keys, int maxLength) =>
        Task.WhenAll(keys.Select(k => GetBoundedAsync(k, maxLength)));

    private async Task<(byte[]? Bytes, long Length)> GetBoundedAsync(byte[] key, int maxLength)
    {
        try
        {
            // The client pipelines the two; a cluster routes both to the key's slot.
            var length = _db.StringLengthAsync(key);
            var bytes = (byte[]?)await _db.StringGetRangeAsync(key, 0, maxLength - 1);
            return bytes is { Length: > 0 } ? (bytes, await length) : (null, 0);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            return (null, 0); // no dictionary: as missing
        }
    }

    public IAsyncEnumerable<byte[][]> ScanAsync(string glob, int pageSize, CancellationToken cancellationToken) =>
        ScanPrimariesAsync(glob, pageSize, cancellationToken);

    /// <summary>A cluster node must be addressed directly: a keyless SCAN would go to any node.</summary>
    private async IAsyncEnumerable<byte[][]> ScanPrimariesAsync(string glob, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var node in SlotOwners())
        {
            var page = new List<byte[]>(pageSize);
            await foreach (var key in node.KeysAsync(_db.Database, glob, pageSize).WithCancellation(cancellationToken))
            {
                page.Add((byte[])key!);
                if (page.Count == pageSize)
                {
                    yield return page.ToArray();
                    page.Clear();
                }
            }
            if (page.Count > 0)
            {
                yield return page.ToArray();
            }
        }
    }

    /// <summary>Hash slots of every Redis Cluster.</summary>
    private const int ClusterSlots = 16384;

    /// <summary>
    /// The primaries that serve slots, from the cluster's own slot map. Each holds keys no other
    /// node has, so one the client cannot reach fails the scan (and the core fails over, or is
    /// reported missing) rather than being left out of an answer that would look complete.
    /// </summary>
    private IServer[] SlotOwners()
    {
        var mux = _db.Multiplexer;
        var map = mux.GetServers().FirstOrDefault(s => s.IsConnected)?.ClusterConfiguration
            ?? throw new IOException("no node of the cluster is connected");
        var primaries = map.Nodes.Where(n => !n.IsReplica && n.Slots.Count > 0).ToArray();
        // A primary the cluster has marked failed may leave the map, its slots with it: slots no
        // node serves are keys nobody lists, so the map must cover them all.
        var covered = primaries.Sum(n => n.Slots.Sum(r => (long)r.To - r.From + 1));
        if (covered < ClusterSlots)
        {
            var unreachable = map.Nodes.Where(n => n.EndPoint is not null && !mux.GetServer(n.EndPoint).IsConnected).Select(n => Display(n.EndPoint!)).ToArray();
            var named = unreachable.Length > 0 ? $"; not connected: {string.Join(", ", unreachable)}" : "";
            throw new IOException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the cluster's slot map serves {covered} of its {ClusterSlots} slots (a primary failed or left{named}), so its keys cannot all be listed"));
        }
        var owners = primaries.Select(n => mux.GetServer(n.EndPoint!)).ToArray();
        return owners.FirstOrDefault(s => !s.IsConnected) is { } lost
            ? throw new IOException($"the cluster's primary {Display(lost.EndPoint)} is not connected, so its keys cannot be listed")
            : owners;
    }

    /// <summary>Not offered here: a cluster's keys are on several nodes, so not one round trip.</summary>
    public Task<byte[][]?> HeadersAsync(byte[][] keys) => Task.FromResult<byte[][]?>(null);

    public async Task<byte[][]> ReadHeadersAsync(byte[][] keys)
    {
        // The client pipelines these and routes each to its slot's primary.
        var reads = Array.ConvertAll(keys, ReadHeaderAsync);
        return await Task.WhenAll(reads);
    }

    private async Task<byte[]> ReadHeaderAsync(byte[] key)
    {
        try
        {
            return (byte[]?)await _db.StringGetRangeAsync(key, 0, Format.RecordHeader.Size - 1) ?? [];
        }
        catch (RedisServerException e) when (e.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            return []; // not one of our records: skipped like a missing key, as MGET does
        }
    }

    public Task<long> PublishAsync(string channel, string message) =>
        _db.PublishAsync(RedisChannel.Literal(channel), message);

    public Task AppendToStreamAsync(string stream, IReadOnlyList<KeyValuePair<string, string>> fields, long maxLength) =>
        _db.StreamAddAsync(stream, [.. fields.Select(f => new NameValueEntry(f.Key, f.Value))], maxLength: (int)Math.Min(maxLength, int.MaxValue), useApproximateMaxLength: true);

    public async Task<IReadOnlyList<StreamEntry>> StreamRangeAsync(string stream, string afterId, int count)
    {
        var entries = await _db.StreamRangeAsync(stream, afterId == "-" ? "-" : "(" + afterId, "+", count);
        return [.. entries.Select(e => new StreamEntry(e.Id!, [.. e.Values.Select(v => new KeyValuePair<string, string>(v.Name!, v.Value!))]))];
    }

    public async Task<IReadOnlyList<(string Node, string? Info)>> InfoAsync()
    {
        // Every primary the client knows of; one it is not connected to is listed without INFO, not left out.
        var nodes = _db.Multiplexer.GetServers().Where(s => !s.IsReplica).OrderBy(s => s.EndPoint.ToString(), StringComparer.Ordinal).ToArray();
        var infos = await Task.WhenAll(nodes.Select(n => n.IsConnected ? n.InfoRawAsync() : Task.FromResult<string?>(null)));
        return nodes.Select((n, i) => (Display(n.EndPoint), infos[i])).ToList();
    }

    private static string Display(System.Net.EndPoint endPoint) => endPoint switch
    {
        System.Net.IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        System.Net.DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endPoint.ToString() ?? "",
    };

    public List<Task<IMgetPart>> Mget(ReadOnlySpan<byte[]> keys, ReadOnlySpan<DuplicateGroup?> duplicates = default)
    {
        if (!duplicates.IsEmpty)
        {
            throw new NotSupportedException("deduplicated fetches need HeadersAsync");
        }
        var bySlot = new Dictionary<int, List<byte[]>>();
        foreach (var key in keys)
        {
            var slot = _db.Multiplexer.HashSlot(key);
            if (!bySlot.TryGetValue(slot, out var list))
            {
                bySlot[slot] = list = [];
            }
            list.Add(key);
        }
        return bySlot.Values.Select(list => ClusterMget(list.ToArray())).ToList();
    }

    private async Task<IMgetPart> ClusterMget(byte[][] keys)
    {
        var redisKeys = Array.ConvertAll(keys, k => (RedisKey)k);
        return new ValuesMgetPart(await _db.StringGetAsync(redisKeys), keys);
    }
}
