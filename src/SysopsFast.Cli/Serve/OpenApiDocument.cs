using System.CommandLine;
using System.Text.Json;

namespace SysopsFast.Cli.Serve;

/// <summary>
/// /openapi.json (OpenAPI 3.1), written from the command tree the requests are parsed with: a path
/// per query command, a query parameter per argument and option a request may give, each with the
/// description --help shows. Nothing here is written by hand but the envelope (end line, problem).
/// </summary>
internal static class OpenApiDocument
{
    public static byte[] Build(RootCommand root, bool basic)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = ServeJson.Options.Encoder }))
        {
            json.WriteStartObject();
            json.WriteString("openapi", "3.1.0");
            json.WriteStartObject("info");
            json.WriteString("title", "sysops-fast serve");
            json.WriteString("description", "The query commands of sysops-fast over HTTP (docs/API.md): each answer is what the command's --json prints, one record per line, then an end line.");
            json.WriteString("version", typeof(OpenApiDocument).Assembly.GetName().Version?.ToString(3) ?? "0");
            json.WriteEndObject();
            json.WriteStartObject("paths");
            foreach (var command in root.Subcommands.Where(c => ApiArguments.QueryCommands.Contains(c.Name)))
            {
                WritePath(json, "/api/v1/" + command.Name, command.Name, command.Description ?? "", w => WriteParameters(w, command));
            }
            WritePath(json, "/api/v1/query", "query", "A query line as the CLI reads it (without the program's name), split as a POSIX shell splits words; only the query commands above", w =>
            {
                WriteParameter(w, "q", "The query line, e.g. grep sysctl-a net.core.netdev_budget --uniq", required: true, () => w.WriteString("type", "string"));
            });
            json.WriteEndObject();
            WriteComponents(json, basic);
            if (basic)
            {
                json.WriteStartArray("security");
                json.WriteStartObject();
                json.WriteStartArray("basic");
                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WritePath(Utf8JsonWriter json, string path, string operation, string summary, Action<Utf8JsonWriter> parameters)
    {
        json.WriteStartObject(path);
        json.WriteStartObject("get");
        json.WriteString("operationId", operation);
        json.WriteString("summary", summary);
        json.WriteStartArray("parameters");
        parameters(json);
        json.WriteEndArray();
        json.WriteStartObject("responses");
        json.WriteStartObject("200");
        json.WriteString("description", "The records as --json prints them, one per line, while the query runs; the last line is {\"end\": …}");
        json.WriteStartObject("content");
        json.WriteStartObject("application/x-ndjson");
        json.WriteStartObject("schema");
        json.WriteString("$ref", "#/components/schemas/Line");
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteStartObject("text/csv");
        json.WriteStartObject("schema");
        json.WriteString("type", "string");
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
        foreach (var (status, why) in Errors)
        {
            json.WriteStartObject(status);
            json.WriteString("description", why);
            json.WriteStartObject("content");
            json.WriteStartObject("application/problem+json");
            json.WriteStartObject("schema");
            json.WriteString("$ref", "#/components/schemas/Problem");
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static readonly (string Status, string Why)[] Errors =
    [
        ("400", "Bad arguments, options or pattern (the CLI's usage message)"),
        ("401", "No usable HTTP Basic credentials, or Redis refused them"),
        ("403", "Redis refused a command to this user (ACL)"),
        ("404", "Not a query command"),
        ("429", "--max-queries queries are running"),
        ("502", "A server failed or could not be reached"),
        ("503", "A core has no live server"),
        ("504", "The query ran longer than --request-timeout"),
    ];

    /// <summary>Arguments by their API names, then every option a request may give, by its long name.</summary>
    private static void WriteParameters(Utf8JsonWriter json, Command command)
    {
        foreach (var argument in command.Arguments)
        {
            WriteParameter(json, ApiArguments.ParameterName(argument), argument.Description ?? "", argument.Arity.MinimumNumberOfValues > 0, () => json.WriteString("type", "string"));
        }
        foreach (var option in command.Options.Where(ApiArguments.Allowed))
        {
            WriteParameter(json, option.Name[2..], Described(option), required: false, () => WriteSchema(json, option));
        }
        if (command.Options.Any(o => o.Name == "--csv"))
        {
            WriteParameter(json, "format", "ndjson (the default) or csv (text/csv, as --csv prints)", required: false, () =>
            {
                json.WriteString("type", "string");
                json.WriteStartArray("enum");
                json.WriteStringValue("ndjson");
                json.WriteStringValue("csv");
                json.WriteEndArray();
            });
        }
    }

    private static string Described(Option option) =>
        option.HelpName is { } value ? $"{option.Description} (value: {value})" : option.Description ?? "";

    private static void WriteParameter(Utf8JsonWriter json, string name, string description, bool required, Action schema)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("in", "query");
        json.WriteString("description", description);
        json.WriteBoolean("required", required);
        json.WriteStartObject("schema");
        schema();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>The option's value as JSON Schema: a flag is a boolean, a count an integer, a repeatable option an array.</summary>
    private static void WriteSchema(Utf8JsonWriter json, Option option)
    {
        var type = option.ValueType;
        if (type.IsArray)
        {
            json.WriteString("type", "array");
            json.WriteStartObject("items");
            json.WriteString("type", "string");
            json.WriteEndObject();
            return;
        }
        type = Nullable.GetUnderlyingType(type) ?? type;
        var choices = option.GetCompletions(System.CommandLine.Completions.CompletionContext.Empty).Select(c => c.Label).ToArray();
        var number = type == typeof(int) || type == typeof(long);
        if (number && choices.Length > 0)
        {
            // A count that also takes a word (--show-hosts N|all).
            json.WriteStartArray("type");
            json.WriteStringValue("integer");
            json.WriteStringValue("string");
            json.WriteEndArray();
        }
        else
        {
            json.WriteString("type", type == typeof(bool) ? "boolean" : number ? "integer" : "string");
        }
        if (type != typeof(bool) && choices.Length > 0)
        {
            json.WriteStartArray(type.IsEnum || option.HelpName is null ? "enum" : "examples");
            foreach (var choice in choices)
            {
                json.WriteStringValue(choice);
            }
            json.WriteEndArray();
        }
    }

    /// <summary>The two envelopes every answer shares: the end line and the problem.</summary>
    private static void WriteComponents(Utf8JsonWriter json, bool basic)
    {
        json.WriteStartObject("components");
        json.WriteStartObject("schemas");
        json.WriteStartObject("Line");
        json.WriteString("description", "One NDJSON line: a record as the command's --json prints it (docs/OUTPUT.md), or the last line, {\"end\": …}");
        json.WriteStartArray("anyOf");
        json.WriteStartObject();
        json.WriteString("type", "object");
        json.WriteEndObject();
        json.WriteStartObject();
        json.WriteString("$ref", "#/components/schemas/End");
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        WriteObject(json, "End", ["end"], () =>
        {
            WriteObject(json, "end", ["exit", "outcome", "messages", "cost"], () =>
            {
                WriteTyped(json, "exit", "integer", "The CLI's exit code: 0 matched, 1 no match, 2 error, 130 interrupted");
                json.WriteStartObject("outcome");
                json.WriteString("type", "string");
                json.WriteStartArray("enum");
                foreach (var o in new[] { "matched", "no_match", "error", "interrupted" })
                {
                    json.WriteStringValue(o);
                }
                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteStartObject("messages");
                json.WriteString("type", "array");
                json.WriteString("description", "What the CLI prints on stderr (partial, stale, corrupt, …), one line each, without \"sysops-fast: \"");
                json.WriteStartObject("items");
                json.WriteString("type", "string");
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteStartObject("cost");
                json.WriteStartArray("type");
                json.WriteStringValue("object");
                json.WriteStringValue("null");
                json.WriteEndArray();
                json.WriteString("description", "With cost=true: the cost message of docs/OUTPUT.md (\"Cost\"); else null");
                json.WriteEndObject();
            });
        });
        WriteObject(json, "Problem", ["type", "title", "status", "detail"], () =>
        {
            WriteTyped(json, "type", "string", "about:blank");
            WriteTyped(json, "title", "string", "The status's reason phrase");
            WriteTyped(json, "status", "integer", "The HTTP status");
            WriteTyped(json, "detail", "string", "The one line the CLI would print");
        });
        json.WriteEndObject();
        if (basic)
        {
            json.WriteStartObject("securitySchemes");
            json.WriteStartObject("basic");
            json.WriteString("type", "http");
            json.WriteString("scheme", "basic");
            json.WriteString("description", "A Redis ACL user and its password: the request's connections use them");
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private static void WriteObject(Utf8JsonWriter json, string name, string[] required, Action properties)
    {
        json.WriteStartObject(name);
        json.WriteString("type", "object");
        json.WriteStartArray("required");
        foreach (var r in required)
        {
            json.WriteStringValue(r);
        }
        json.WriteEndArray();
        json.WriteStartObject("properties");
        properties();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteTyped(Utf8JsonWriter json, string name, string type, string description)
    {
        json.WriteStartObject(name);
        json.WriteString("type", type);
        json.WriteString("description", description);
        json.WriteEndObject();
    }
}
