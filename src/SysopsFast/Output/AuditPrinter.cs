using System.Globalization;
using System.Text;
using SysopsFast.Query;

namespace SysopsFast.Output;

/// <summary>
/// <c>audit</c>'s answer: one line per recorded query (UTC time, server, Redis user, OS user at
/// client host, keys, bytes, seconds, command line), or NDJSON rows with the stream's field names.
/// </summary>
public static class AuditPrinter
{
    /// <summary>One entry as one line of text.</summary>
    public static string Text(AuditEntry e) => string.Create(CultureInfo.InvariantCulture,
        $"{e.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z  {e.Server}  {e.RedisUser}  {e.OsUser}@{e.ClientHost}  keys={e.Keys} bytes={e.Bytes} {e.Seconds:F3}s  {e.Command}\n");

    /// <summary>One entry as one NDJSON line.</summary>
    public static void Json(Stream output, AuditEntry e) =>
        RecordJson.WriteLine(output, j =>
        {
            j.WriteNumber("time", e.Time.ToUnixTimeMilliseconds() / 1000.0);
            j.WriteString("server", e.Server);
            j.WriteString("user", e.RedisUser);
            j.WriteString("os_user", e.OsUser);
            j.WriteString("client_host", e.ClientHost);
            j.WriteString("command", e.Command);
            j.WriteString("scope", e.Scope);
            j.WriteString("object_pattern", e.ObjectPattern);
            j.WriteString("pattern", e.TextPattern);
            j.WriteNumber("keys", e.Keys);
            j.WriteNumber("bytes", e.Bytes);
            j.WriteNumber("seconds", e.Seconds);
        });

    /// <summary>One entry, as text or NDJSON.</summary>
    public static void Write(Stream output, AuditEntry e, bool json)
    {
        if (json)
        {
            Json(output, e);
        }
        else
        {
            output.Write(Encoding.UTF8.GetBytes(Text(e)));
        }
    }
}
