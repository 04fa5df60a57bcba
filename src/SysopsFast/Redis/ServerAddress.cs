using System.Globalization;
using StackExchange.Redis;

namespace SysopsFast.Redis;

/// <summary>
/// A Redis server as the user names it: <c>redis://[user@]host:port[/db]</c>, <c>rediss://…</c> for
/// TLS, or plain <c>host[:port]</c>. Passwords never come from the command line: they are read from
/// <c>SYSOPS_FAST_REDIS_PASSWORD</c> or the file named by <c>SYSOPS_FAST_REDIS_PASSWORD_FILE</c>
/// (<see cref="RedisPassword"/>). A TLS address carries the <see cref="TlsFiles"/> to connect with.
/// </summary>
public sealed record ServerAddress(string Host, int Port, int Database = 0, bool Tls = false, string? User = null)
{
    public const int DefaultPort = 6379;

    /// <summary>The CA and client certificate files of a TLS address (null: the defaults); ignored without TLS.</summary>
    public TlsFiles? TlsFiles { get; init; }

    /// <summary>This address with <paramref name="files"/> (each file not given keeps this address's own); a plain address is returned as is.</summary>
    /// <summary>
    /// The password of <see cref="User"/> for this address alone (an embedding program's caller,
    /// e.g. a request's credentials); null: the process's (SYSOPS_FAST_REDIS_PASSWORD). Never printed.
    /// </summary>
    public string? Password { get; init; }

    /// <summary>The same server reached as <paramref name="user"/> with <paramref name="password"/>.</summary>
    public ServerAddress WithCredentials(string user, string password) => this with { User = user, Password = password };

    public ServerAddress WithTls(TlsFiles? files) => !Tls || files is null || files.IsEmpty ? this : this with { TlsFiles = files.Over(TlsFiles) };

    public static ServerAddress Default { get; } = new("127.0.0.1", DefaultPort);

    public static ServerAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim();
        var tls = false;
        if (s.StartsWith("redis://", StringComparison.OrdinalIgnoreCase))
        {
            s = s["redis://".Length..];
        }
        else if (s.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            s = s["rediss://".Length..];
            tls = true;
        }
        else if (s.Contains("://", StringComparison.Ordinal))
        {
            throw Errors.BadAddress(text, "only redis:// and rediss:// are understood");
        }
        string? user = null;
        var at = s.LastIndexOf('@');
        if (at >= 0)
        {
            user = s[..at];
            s = s[(at + 1)..];
            if (user.Contains(':', StringComparison.Ordinal))
            {
                // The message must not repeat the password.
                var shown = text[..text.IndexOf(user, StringComparison.Ordinal)] + user[..user.IndexOf(':', StringComparison.Ordinal)] + ":***@" + s;
                throw Errors.BadAddress(shown, "passwords are not taken from the command line; set SYSOPS_FAST_REDIS_PASSWORD or SYSOPS_FAST_REDIS_PASSWORD_FILE instead");
            }
        }
        var db = 0;
        var slash = s.IndexOf('/');
        if (slash >= 0)
        {
            var dbText = s[(slash + 1)..];
            if (dbText.Length > 0 && (!int.TryParse(dbText, NumberStyles.None, CultureInfo.InvariantCulture, out db) || db > 65535))
            {
                throw Errors.BadAddress(text, $"'{dbText}' is not a database number");
            }
            s = s[..slash];
        }
        var host = s;
        var port = DefaultPort;
        var colon = s.LastIndexOf(':');
        if (colon >= 0 && !s.EndsWith(']'))
        {
            host = s[..colon];
            if (!int.TryParse(s[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                throw Errors.BadAddress(text, $"'{s[(colon + 1)..]}' is not a port number");
            }
        }
        host = host.Trim('[', ']');
        if (host.Length == 0)
        {
            throw Errors.BadAddress(text, "the host name is empty");
        }
        return new ServerAddress(host, port, db, tls, user);
    }

    public override string ToString()
    {
        var hostPart = Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;
        var text = string.Create(CultureInfo.InvariantCulture, $"{hostPart}:{Port}");
        return Database == 0 ? text : string.Create(CultureInfo.InvariantCulture, $"{text}/{Database}");
    }

    internal ConfigurationOptions ToConfiguration()
    {
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = true,
            ConnectTimeout = 3000,
            ConnectRetry = 1,
            DefaultDatabase = Database,
            Ssl = Tls,
            User = User,
            ClientName = "sysops-fast",
            // StackExchange.Redis counts INFO (the info command, on each primary of a cluster) as an
            // admin command and refuses it otherwise; no other admin command (FLUSHALL, CONFIG) is sent.
            AllowAdmin = true,
            // Ask no more of a user's ACL than the data commands and PING: no tie-breaker key, no
            // configuration channel (SUBSCRIBE), and PING rather than ECHO to check the connection.
            TieBreaker = "",
            ConfigurationChannel = "",
            CommandMap = CommandMap.Create(["ECHO"], available: false),
        };
        options.EndPoints.Add(Host, Port);
        options.Password = Password ?? RedisPassword.Read();
        return options;
    }
}
