using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SysopsFast.Cli.Serve;

/// <summary>The HTTP server of <c>serve</c>: Kestrel, one request delegate, no reflection (Native AOT).</summary>
internal static class ServeHost
{
    /// <summary>Serves until <paramref name="cancellationToken"/> (Ctrl-C); says where on <paramref name="stderr"/>.</summary>
    public static async Task RunAsync(ServeSettings settings, TextWriter stderr, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Commands write their answer synchronously (as to a file); each request's own thread waits, no other.
            kestrel.AllowSynchronousIO = true;
            kestrel.AddServerHeader = false;
            kestrel.Listen(settings.Listen, listen =>
            {
                if (settings.Https is { } https)
                {
                    listen.UseHttps(X509Certificate2.CreateFromPemFile(https.Certificate, https.Key));
                }
            });
        });
        await using var app = builder.Build();
        await using var sessions = new SessionPool(settings.MaxQueries);
        var metrics = new ServeMetrics(settings.MaxQueries, sessions);
        var queries = new QueryEndpoint(settings, metrics, sessions);
        // Built once: the command tree does not change while serving.
        var openApi = OpenApiDocument.Build(settings.Root, settings.Basic);
        app.Run(context => DispatchAsync(context, settings, queries, metrics, openApi));
        RoutingWriter.Install();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        await stderr.WriteLineAsync($"{UsageError.Program}: serving {address}/ ({(settings.Basic ? "HTTP Basic: Redis ACL users" : "no authentication")}); Ctrl-C stops it");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        await app.StopAsync(CancellationToken.None);
    }

    private static Task DispatchAsync(HttpContext context, ServeSettings settings, QueryEndpoint queries, ServeMetrics metrics, byte[] openApi)
    {
        var path = context.Request.Path.Value ?? "/";
        var query = path.StartsWith("/api/v1/", StringComparison.Ordinal);
        // HEAD only where it costs nothing: a query is run for its answer, never for its headers.
        if (!HttpMethods.IsGet(context.Request.Method) && (query || !HttpMethods.IsHead(context.Request.Method)))
        {
            context.Response.Headers.Allow = query ? "GET" : "GET, HEAD";
            return Problem.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, $"{context.Request.Method} is not served; every endpoint answers GET");
        }
        if (path == "/healthz")
        {
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync("ok\n", context.RequestAborted);
        }
        if (query)
        {
            if (settings.Basic && !ServeAuth.TryAccept(context, out var refusal))
            {
                return Problem.WriteAsync(context, StatusCodes.Status401Unauthorized, refusal!);
            }
            var name = path["/api/v1/".Length..];
            return name == "query" ? queries.LineAsync(context) : queries.ByNameAsync(context, name);
        }
        if (path == "/metrics")
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            return metrics.WriteAsync(context.Response.Body, context.RequestAborted);
        }
        if (path == "/openapi.json")
        {
            context.Response.ContentType = "application/json";
            return context.Response.Body.WriteAsync(openApi, context.RequestAborted).AsTask();
        }
        if (PageAssets.TryGet(path, out var contentType, out var body))
        {
            context.Response.ContentType = contentType;
            // The page's own rules as headers too (its meta tag covers only the HTML): nothing but
            // its own files and API, and no type sniffing of what it serves.
            context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
        }
        return Problem.WriteAsync(context, StatusCodes.Status404NotFound, $"no such endpoint '{path}' (see /openapi.json)");
    }
}
