using System.Text;
using System.Text.Json;
using SysopsFast.Pipeline;

namespace SysopsFast.Query;

/// <summary>
/// The cost of one command as the one-line JSON message published on <see cref="Channel"/>, as the
/// original published every query's cost (fields in docs/OUTPUT.md).
/// </summary>
public static class CostMessage
{
    /// <summary>The pub/sub channel the original published every query's cost on.</summary>
    public const string Channel = Redis.AclRules.CostChannel;

    /// <summary>One JSON object: who asked what, per-server costs and the total (docs/OUTPUT.md).</summary>
    /// <param name="command">The query command (grep, search, …).</param>
    /// <param name="arguments">Its arguments, secrets among them replaced.</param>
    /// <param name="servers">Each server's cost.</param>
    /// <param name="elapsed">The whole query's time.</param>
    /// <param name="now">When it ended.</param>
    /// <param name="user">Who asked (the query's <see cref="AuditPolicy.OsUser"/>, as its audit entry names them).</param>
    /// <param name="client">Where they asked from (<see cref="AuditPolicy.ClientHost"/>).</param>
    public static string Json(string command, IReadOnlyList<string> arguments, IReadOnlyList<ServerCost> servers, TimeSpan elapsed, DateTimeOffset now, string user, string client)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonLineOptions.Writer))
        {
            json.WriteStartObject();
            json.WriteString("tool", "sysops-fast");
            json.WriteString("command", command);
            json.WriteStartArray("arguments");
            foreach (var a in arguments)
            {
                json.WriteStringValue(a);
            }
            json.WriteEndArray();
            json.WriteString("user", user);
            json.WriteString("client", client);
            json.WriteNumber("time", now.ToUnixTimeMilliseconds() / 1000.0);
            json.WriteStartArray("servers");
            foreach (var c in servers)
            {
                json.WriteStartObject();
                Write(json, c);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartObject("total");
            Write(json, ServerCost.Total(servers, elapsed));
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter json, ServerCost c)
    {
        json.WriteString("server", c.Server);
        json.WriteNumber("keys", c.Keys);
        json.WriteNumber("bytes_fetched", c.BytesFetched);
        json.WriteNumber("bytes_decoded", c.BytesDecoded);
        json.WriteNumber("seconds", Math.Round(c.Elapsed.TotalSeconds, 6));
        json.WriteNumber("mb_per_second", Math.Round(c.MegabytesPerSecond, 3));
    }
}
