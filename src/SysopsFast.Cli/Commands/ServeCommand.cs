using System.CommandLine;
using System.Globalization;
using System.Net;
using SysopsFast.Cli.Serve;

namespace SysopsFast.Cli.Commands;

/// <summary><c>serve</c>: the query commands over HTTP (docs/API.md), parsed and run as the CLI runs them.</summary>
internal static class ServeCommand
{
    public static Command Build()
    {
        var listen = new Option<string>("--listen") { HelpName = "ADDRESS:PORT", Description = "Address and port to listen on (port 0: any free port, printed on stderr)", DefaultValueFactory = _ => "127.0.0.1:8080" };
        var auth = new Option<string?>("--auth") { HelpName = "basic|none", Description = "basic: HTTP Basic credentials become each request's Redis ACL user (the default); none: the server's own Redis user, allowed on a loopback address only (the default there)" };
        auth.AcceptOnlyFromAmong("basic", "none");
        var maxQueries = new Option<int>("--max-queries") { HelpName = "N", Description = "Queries run at once; more are answered 429", DefaultValueFactory = _ => 8 };
        var timeout = new Option<string>("--request-timeout") { HelpName = "DURATION", Description = "A query that runs longer is stopped and answered 504 (30s, 2m)", DefaultValueFactory = _ => "60s" };
        var cert = new Option<string?>("--tls-cert") { HelpName = CompletionCommand.FileValue, Description = "Serve HTTPS with this certificate (PEM; with --tls-key unless the file holds its key)" };
        var key = new Option<string?>("--tls-key") { HelpName = CompletionCommand.FileValue, Description = "Private key (PEM) of --tls-cert" };
        var targeting = new TargetingOptions();
        var command = new Command("serve", "Answer the query commands over HTTP (/api/v1/<command>, NDJSON) until Ctrl-C; see docs/API.md")
        {
            listen, auth, maxQueries, timeout, cert, key,
        };
        targeting.AddTo(command, tls: false);
        command.SetAction((parse, ct) => CliRunner.RunAsync(async () =>
        {
            var endpoint = Endpoint(parse.GetValue(listen)!);
            var loopback = IPAddress.IsLoopback(endpoint.Address);
            var basic = parse.GetValue(auth) switch
            {
                "none" when !loopback => throw CliErrors.BadArgument($"--auth none serves the server's own Redis user to anyone who can reach {endpoint}; it is allowed on a loopback address only (--listen 127.0.0.1:PORT)"),
                "none" => false,
                "basic" => true,
                _ => !loopback,
            };
            if (parse.GetValue(key) is not null && parse.GetValue(cert) is null)
            {
                throw CliErrors.BadArgument("--tls-key needs --tls-cert");
            }
            var settings = new ServeSettings
            {
                Listen = endpoint,
                Root = (RootCommand)parse.RootCommandResult.Command,
                Basic = basic,
                MaxQueries = parse.GetValue(maxQueries) is var n and > 0 ? n : throw CliErrors.BadArgument("--max-queries takes a number of queries, 1 or more"),
                RequestTimeout = CommonOptions.ParseTimeout(parse.GetValue(timeout)!),
                TargetingWords = ApiArguments.GivenOptions(parse, targeting.All),
                Https = parse.GetValue(cert) is { } c ? (c, parse.GetValue(key)) : null,
            };
            await ServeHost.RunAsync(settings, Console.Error, ct);
            return CliRunner.Matched;
        }, Console.Error, parse.GetValue(CommonOptions.Verbose)));
        return command;
    }

    /// <summary>ADDRESS:PORT, an IPv6 address in brackets; "localhost" is the IPv4 loopback.</summary>
    private static IPEndPoint Endpoint(string text)
    {
        var colon = text.LastIndexOf(':');
        var host = colon > 0 ? text[..colon].Trim('[', ']') : "";
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw CliErrors.BadArgument($"--listen takes ADDRESS:PORT (127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080), not '{text}'");
        }
        var address = host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(host, out var ip) ? ip
            : throw CliErrors.BadArgument($"--listen takes an IP address (or localhost), not '{host}'");
        return new IPEndPoint(address, port);
    }
}
