using System.Text;
using Microsoft.AspNetCore.Http;

namespace SysopsFast.Cli.Serve;

/// <summary>
/// HTTP Basic credentials, taken as they come: serve checks nothing itself, the user and password
/// become the Redis ACL user of the request's connections, so Redis decides what each caller may read.
/// </summary>
internal static class ServeAuth
{
    private const string Key = "sysops-fast.credentials";

    /// <summary>Reads the Authorization header into the request; false (and a 401 to send) when it has none that can be used.</summary>
    public static bool TryAccept(HttpContext context, out string? refusal)
    {
        refusal = null;
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            refusal = "this server asks for HTTP Basic credentials: a Redis ACL user and its password";
            return false;
        }
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            refusal = "the Authorization header is not Basic base64(user:password)";
            return false;
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            refusal = "the Basic credentials name no user (user:password)";
            return false;
        }
        context.Items[Key] = (decoded[..colon], decoded[(colon + 1)..]);
        return true;
    }

    public static (string User, string Password)? CredentialsOf(HttpContext context) =>
        context.Items.TryGetValue(Key, out var value) && value is ValueTuple<string, string> credentials ? credentials : null;

    /// <summary>Who the audit entry names: the HTTP user, or "anonymous" when serve asks for none.</summary>
    public static string UserOf(HttpContext context) => CredentialsOf(context)?.User ?? "anonymous";
}
