using System.Globalization;

namespace SysopsFast.Query;

/// <summary>
/// One query as the audit trail (<see cref="AuditTrail"/>) records it: who asked (Redis user, OS
/// user, client host), what (command line with secrets removed, scope, patterns), when, and what it
/// cost. The Redis user and the time are the server's word (the stream's name, the entry's id).
/// </summary>
public sealed partial record AuditEntry
{
    /// <summary>When the server added it (its stream id); set when read back.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>Whose stream held it; set when read back.</summary>
    public string RedisUser { get; init; } = "";

    /// <summary>The operating system user who ran the query.</summary>
    public required string OsUser { get; init; }
    /// <summary>The machine the query ran on.</summary>
    public required string ClientHost { get; init; }
    /// <summary>The command line, secrets removed.</summary>
    public required string Command { get; init; }
    /// <summary>The scope and site asked for (empty: every core).</summary>
    public string Scope { get; init; } = "";
    /// <summary>The object pattern of the query.</summary>
    public string ObjectPattern { get; init; } = "";
    /// <summary>The text pattern (grep's), or what else narrowed the query.</summary>
    public string TextPattern { get; init; } = "";
    /// <summary>Keys read.</summary>
    public long Keys { get; init; }
    /// <summary>Bytes fetched.</summary>
    public long Bytes { get; init; }
    /// <summary>How long the query took.</summary>
    public double Seconds { get; init; }

    /// <summary>The server whose stream held it (when read back).</summary>
    public string Server { get; init; } = "";

    /// <summary>
    /// Field names as the stream stores them (and <c>audit --json</c> prints them, with the time and
    /// user the server vouches for: no field can claim those).
    /// </summary>
    internal IReadOnlyList<KeyValuePair<string, string>> Fields() =>
    [
        new("os_user", OsUser),
        new("client_host", ClientHost),
        new("command", Command),
        new("scope", Scope),
        new("object_pattern", ObjectPattern),
        new("pattern", TextPattern),
        new("keys", Keys.ToString(CultureInfo.InvariantCulture)),
        new("bytes", Bytes.ToString(CultureInfo.InvariantCulture)),
        new("seconds", Seconds.ToString("F3", CultureInfo.InvariantCulture)),
    ];

    /// <summary>An entry read back from <paramref name="user"/>'s stream; a field it lacks (another writer) is empty or 0.</summary>
    internal static AuditEntry From(string server, string user, ulong idMilliseconds, IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        var f = fields.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
        string Text(string name) => f.GetValueOrDefault(name) ?? "";
        long Number(string name) => long.TryParse(Text(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return new AuditEntry
        {
            // An id is the server's clock unless its writer chose one: any 64-bit number.
            Time = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Min(idMilliseconds, (ulong)DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())),
            RedisUser = user,
            OsUser = Text("os_user"),
            ClientHost = Text("client_host"),
            Command = Text("command"),
            Scope = Text("scope"),
            ObjectPattern = Text("object_pattern"),
            TextPattern = Text("pattern"),
            Keys = Number("keys"),
            Bytes = Number("bytes"),
            Seconds = double.TryParse(Text("seconds"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 0,
            Server = server,
        };
    }

    /// <summary>
    /// The command line as recorded: a value that follows an option naming a password, secret or
    /// key file's contents, and a password written into a URL, are replaced by "***".
    /// </summary>
    public static string Redact(IReadOnlyList<string> args) => string.Join(' ', RedactEach(args).Select(Quote));

    /// <summary>The arguments one by one, each secret in them replaced by "***" as <see cref="Redact"/> does.</summary>
    public static IReadOnlyList<string> RedactEach(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var shown = new List<string>(args.Count);
        var hideNext = false;
        foreach (var arg in args)
        {
            if (hideNext)
            {
                shown.Add("***");
                hideNext = false;
                continue;
            }
            var secretOption = arg.StartsWith('-') && (arg.Contains("password", StringComparison.OrdinalIgnoreCase) || arg.Contains("secret", StringComparison.OrdinalIgnoreCase));
            if (secretOption && arg.Contains('=', StringComparison.Ordinal))
            {
                shown.Add(arg[..(arg.IndexOf('=', StringComparison.Ordinal) + 1)] + "***");
                continue;
            }
            hideNext = secretOption;
            shown.Add(UrlPassword().Replace(arg, "${1}***@"));
        }
        return shown;
    }

    /// <summary>As a shell would need it: single quotes around anything but plain characters.</summary>
    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@,+%#".Contains(c, StringComparison.Ordinal)) ? arg : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [System.Text.RegularExpressions.GeneratedRegex(@"^(rediss?://[^:/@]*:)[^@]*@")]
    private static partial System.Text.RegularExpressions.Regex UrlPassword();
}
