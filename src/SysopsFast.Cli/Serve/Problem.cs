using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SysopsFast.Cli.Serve;

/// <summary>An error before any record: <c>application/problem+json</c> (RFC 9457) whose detail is the CLI's one line.</summary>
internal static class Problem
{
    public static async Task WriteAsync(HttpContext context, int status, string detail)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/problem+json";
        if (status == StatusCodes.Status401Unauthorized)
        {
            response.Headers.WWWAuthenticate = "Basic realm=\"sysops-fast\", charset=\"UTF-8\"";
        }
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, ServeJson.Options))
        {
            json.WriteStartObject();
            json.WriteString("type", "about:blank");
            json.WriteString("title", Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status));
            json.WriteNumber("status", status);
            // Without the program's "sysops-fast: ", as the end line's messages.
            json.WriteString("detail", MessageCollector.Unprefixed(detail));
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }

    /// <summary>The status of an error the library raised: the caller's input, a server, the fleet, this machine.</summary>
    /// <param name="e">The error, null when the command failed without one.</param>
    /// <param name="basic">Whether the request's own credentials were used (a refused one is then 401, asking for others).</param>
    public static int StatusOf(SysopsFastException? e, bool basic) => e switch
    {
        null => StatusCodes.Status502BadGateway,
        { Remedy: ErrorRemedy.Credentials } when basic => StatusCodes.Status401Unauthorized,
        { Kind: ErrorKind.InvalidInput } => StatusCodes.Status400BadRequest,
        // Redis refused this user (ACL): the caller may not read it.
        { Kind: ErrorKind.Configuration } => StatusCodes.Status403Forbidden,
        { Kind: ErrorKind.Unavailable } => StatusCodes.Status503ServiceUnavailable,
        { Kind: ErrorKind.Local } => StatusCodes.Status500InternalServerError,
        _ => StatusCodes.Status502BadGateway,
    };
}

/// <summary>JSON as every line the CLI prints: non-ASCII readable, control characters escaped.</summary>
internal static class ServeJson
{
    public static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
