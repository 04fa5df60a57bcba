using System.Globalization;

namespace SysopsFast.Query;

/// <summary>The essentials of one server's INFO (the <c>info</c> command), or why it could not be read.</summary>
public sealed record ServerInfo(string Server, string Node, IReadOnlyDictionary<string, string> Fields, string? Error = null)
{
    /// <summary>The server's version (<c>redis_version</c>).</summary>
    public string? RedisVersion => Fields.GetValueOrDefault("redis_version");

    /// <summary>Bytes of memory the server uses (<c>used_memory</c>).</summary>
    public long? UsedMemory => Number("used_memory");

    /// <summary>Clients connected (<c>connected_clients</c>).</summary>
    public long? ConnectedClients => Number("connected_clients");

    /// <summary>Seconds since the server started (<c>uptime_in_seconds</c>).</summary>
    public long? UptimeSeconds => Number("uptime_in_seconds");

    /// <summary>Keys in the database the server's address names (db0 for a cluster).</summary>
    public long? Keys { get; init; }

    private long? Number(string field) =>
        Fields.TryGetValue(field, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>INFO's <c>field:value</c> lines; the keyspace line of the address's database gives <see cref="Keys"/>.</summary>
    internal static ServerInfo Parse(Redis.ServerAddress server, string node, string info)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in info.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && !line.StartsWith('#'))
            {
                fields[line[..colon]] = line[(colon + 1)..];
            }
        }
        long keys = 0;
        if (fields.TryGetValue("db" + server.Database.ToString(CultureInfo.InvariantCulture), out var space))
        {
            var entry = space.Split(',').FirstOrDefault(p => p.StartsWith("keys=", StringComparison.Ordinal));
            _ = long.TryParse(entry?["keys=".Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out keys);
        }
        return new ServerInfo(server.ToString(), node, fields) { Keys = keys };
    }
}
