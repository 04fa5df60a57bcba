using System.Globalization;
using System.Text;
using System.Text.Json;
using SysopsFast.Pipeline;

namespace SysopsFast.Output;

/// <summary>
/// <c>--cost</c>: per server and in total, keys, bytes transferred and decoded, seconds and MB/s; as
/// a table for stderr and as the one-line JSON message published on the <c>sysops-api</c> channel.
/// </summary>
public static class CostReport
{
    /// <summary>The pub/sub channel the original published every query's cost on.</summary>
    public const string Channel = "sysops-api";

    public static string Table(IReadOnlyList<ServerCost> servers, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"cost: server",-40} {"keys",10} {"MB fetched",12} {"MB decoded",12} {"seconds",8} {"MB/s",8}");
        foreach (var c in servers.Append(ServerCost.Total(servers, elapsed)))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{"cost: " + c.Server,-40} {c.Keys,10} {c.BytesFetched / 1e6,12:F3} {c.BytesDecoded / 1e6,12:F3} {c.Elapsed.TotalSeconds,8:F3} {c.MegabytesPerSecond,8:F1}");
        }
        return text.ToString();
    }

    /// <summary>One JSON object: who asked what, per-server costs and the total (docs/OUTPUT.md).</summary>
    public static string Json(string command, IReadOnlyList<string> arguments, IReadOnlyList<ServerCost> servers, TimeSpan elapsed, DateTimeOffset now)
    {
        using var buffer = new MemoryStream();
        RecordJson.WriteLine(buffer, json =>
        {
            json.WriteString("tool", "sysops-fast");
            json.WriteString("command", command);
            json.WriteStartArray("arguments");
            foreach (var a in arguments)
            {
                json.WriteStringValue(a);
            }
            json.WriteEndArray();
            json.WriteString("user", Environment.UserName);
            json.WriteString("client", Environment.MachineName);
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
        });
        return Encoding.UTF8.GetString(buffer.ToArray()).TrimEnd('\n');
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
