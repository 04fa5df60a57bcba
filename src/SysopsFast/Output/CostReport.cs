using System.Globalization;
using System.Text;
using SysopsFast.Pipeline;

namespace SysopsFast.Output;

/// <summary>
/// <c>--cost</c>: per server and in total, keys, bytes transferred and decoded, seconds and MB/s, as
/// a table for stderr (the message published on the <c>sysops-api</c> channel is <see cref="Query.CostMessage"/>).
/// </summary>
public static class CostReport
{
    /// <summary>The table for <paramref name="servers"/>, with a total line for the query's <paramref name="elapsed"/> time.</summary>
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
}
