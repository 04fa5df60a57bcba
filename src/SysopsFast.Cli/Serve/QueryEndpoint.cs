using System.CommandLine;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SysopsFast.Cli.Serve;

/// <summary>
/// One query request: its words parsed by the CLI's command tree, the command run with its
/// standard output bound to the response and its standard error collected, then the end line
/// (<c>{"end":{"exit","outcome","messages","cost"}}</c>, docs/API.md).
/// </summary>
internal sealed class QueryEndpoint(ServeSettings settings, ServeMetrics metrics, SessionPool sessions)
{
    private const string Ndjson = "application/x-ndjson";

    /// <summary><c>/api/v1/&lt;command&gt;?…</c>: arguments and options by name.</summary>
    public Task ByNameAsync(HttpContext context, string name)
    {
        var root = settings.Root;
        if (!ApiArguments.QueryCommands.Contains(name) || root.Subcommands.FirstOrDefault(c => c.Name == name) is not { } command)
        {
            return UnknownCommandAsync(context, name);
        }
        if (ApiArguments.FromQueryString(command, context.Request.Query, out var error) is not { } words)
        {
            return Problem.WriteAsync(context, StatusCodes.Status400BadRequest, error!);
        }
        var csv = context.Request.Query["format"] == "csv";
        return RunAsync(context, root, words, csv);
    }

    /// <summary><c>/api/v1/query?q=…</c>: a query line, split as a shell splits it.</summary>
    public Task LineAsync(HttpContext context)
    {
        var line = context.Request.Query["q"].ToString();
        if (ShellWords.Split(line, out var error) is not { } words)
        {
            return Problem.WriteAsync(context, StatusCodes.Status400BadRequest, error!);
        }
        if (words.Count == 0)
        {
            return Problem.WriteAsync(context, StatusCodes.Status400BadRequest, $"q: which command? one of {string.Join(", ", ApiArguments.QueryCommands)}");
        }
        if (!ApiArguments.QueryCommands.Contains(words[0]))
        {
            return UnknownCommandAsync(context, words[0]);
        }
        return RunAsync(context, settings.Root, words, ApiArguments.Has(words, "--csv"));
    }

    private static Task UnknownCommandAsync(HttpContext context, string name) =>
        Problem.WriteAsync(context, StatusCodes.Status404NotFound,
            $"{UsageError.Program}: unknown query command '{name}'{SpellingSuggestion.For(name, ApiArguments.QueryCommands)} (one of {string.Join(", ", ApiArguments.QueryCommands)})");

    private async Task RunAsync(HttpContext context, RootCommand root, List<string> words, bool csv)
    {
        // The request's own words alone first: what it may not set, and its usage errors, are its own.
        var asked = CommandTree.Parse(root, words);
        if (UsageError.Find(asked) is { } usage)
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, usage);
            return;
        }
        if (ApiArguments.ServerOnlyOption(asked) is { } option)
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, $"{UsageError.Usage(asked.CommandResult)}: {option} is serve's to set, not a request's");
            return;
        }
        var command = asked.CommandResult.Command;
        var hasJson = command.Options.Any(o => o.Name == "--json");
        var format = csv ? "--csv" : hasJson && !ApiArguments.Has(words, "--json") ? "--json" : null;
        List<string> full = [words[0], .. format is null ? [] : new[] { format }, .. settings.TargetingWords, .. words.Skip(1)];
        var parse = CommandTree.Parse(root, full);
        if (UsageError.Find(parse) is { } problem)
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, problem);
            return;
        }
        if (!metrics.TryStart())
        {
            await Problem.WriteAsync(context, StatusCodes.Status429TooManyRequests, $"{settings.MaxQueries} queries are running, the most this server runs at once (--max-queries); try again shortly");
            return;
        }
        try
        {
            await RunParsedAsync(context, parse, [.. words], csv ? "text/csv; charset=utf-8" : Ndjson, textAsRecords: !hasJson);
        }
        finally
        {
            metrics.Finished();
        }
    }

    private async Task RunParsedAsync(HttpContext context, ParseResult parse, string[] arguments, string contentType, bool textAsRecords)
    {
        var name = parse.CommandResult.Command.Name;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(settings.RequestTimeout);
        var body = new ResponseBody(context.Response, contentType);
        var credentials = ServeAuth.CredentialsOf(context);
        var lease = sessions.Rent(credentials);
        var console = new RequestConsole(body, arguments, ServeAuth.UserOf(context), context.Connection.RemoteIpAddress?.ToString() ?? "unknown")
        {
            Credentials = credentials,
            Session = lease.Session,
            TextAsRecords = textAsRecords,
        };
        int exit;
        try
        {
            await using var stop = deadline.Token.Register(lease.Abort);
            exit = await InvokeAsync(parse, console, deadline.Token);
        }
        finally
        {
            // Stopped with commands in flight (Redis must not run them), or refused credentials: closed, not kept.
            await lease.ReturnAsync(keep: !deadline.IsCancellationRequested && console.Failure is not { Remedy: ErrorRemedy.Credentials });
        }
        var timedOut = deadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested;
        var outcome = exit switch
        {
            CliRunner.Matched => "matched",
            CliRunner.NoMatch => "no_match",
            CliRunner.Interrupted => "interrupted",
            _ => "error",
        };
        metrics.Record(name, context.RequestAborted.IsCancellationRequested ? "disconnected" : timedOut ? "timeout" : outcome, clock.Elapsed, console);
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        var messages = console.Error.Lines;
        if (timedOut)
        {
            messages = [.. messages.Where(m => m != "interrupted"), $"the query did not finish within {settings.RequestTimeout.TotalSeconds:0.###} s (--request-timeout)"];
        }
        if (!body.Started && (exit == CliRunner.Error || timedOut))
        {
            var status = timedOut ? StatusCodes.Status504GatewayTimeout : Problem.StatusOf(console.Failure, console.Credentials is not null);
            await Problem.WriteAsync(context, status, messages.Count > 0 ? messages[^1] : $"{name} failed");
            return;
        }
        if (contentType == Ndjson)
        {
            await WriteEndAsync(body, exit, outcome, messages, console.CostJson, context.RequestAborted);
        }
        else
        {
            // CSV has no place for the end line: the outcome is the NDJSON answer's (docs/API.md).
            await body.FlushAsync(context.RequestAborted);
        }
    }

    /// <summary>The command run as the CLI runs it, its console the request's (this async flow's alone).</summary>
    private static async Task<int> InvokeAsync(ParseResult parse, RequestConsole console, CancellationToken cancellationToken)
    {
        console.Enter();
        try
        {
            var exit = await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = console.OutputWriter,
                Error = console.Error,
                // The server's Ctrl-C stops the server; a request is stopped by its own token.
                ProcessTerminationTimeout = null,
                EnableDefaultExceptionHandler = false,
            }, cancellationToken);
            await console.OutputWriter.FlushAsync(CancellationToken.None);
            return exit;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            return CliRunner.Interrupted;
        }
    }

    /// <summary>The last line: exit code, outcome, stderr's lines and the cost, in one JSON object under "end".</summary>
    private static async Task WriteEndAsync(ResponseBody body, int exit, string outcome, IReadOnlyList<string> messages, string? cost, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, ServeJson.Options))
        {
            json.WriteStartObject();
            json.WriteStartObject("end");
            json.WriteNumber("exit", exit);
            json.WriteString("outcome", outcome);
            json.WriteStartArray("messages");
            foreach (var m in messages)
            {
                json.WriteStringValue(m);
            }
            json.WriteEndArray();
            json.WritePropertyName("cost");
            if (cost is null)
            {
                json.WriteNullValue();
            }
            else
            {
                json.WriteRawValue(cost);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        await body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
        await body.FlushAsync(cancellationToken);
    }
}
