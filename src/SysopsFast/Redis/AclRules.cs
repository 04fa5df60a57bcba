using System.Security.Cryptography;
using System.Text;

namespace SysopsFast.Redis;

/// <summary>What a Redis user of the fleet may do (docs/SECURITY.md).</summary>
public enum AclRole
{
    /// <summary>Queries: reads records, the key catalog and dictionaries; appends to its own audit stream; writes nothing else.</summary>
    Reader,

    /// <summary>push: writes records, catalog entries and expiries, and empties history lists; reads no record (so keeps no history), reaches no audit stream nor a dictionary's bytes.</summary>
    Pusher,

    /// <summary>Everything (import, migrate, maintenance).</summary>
    Admin,

    /// <summary>`dict train`: what a reader may do, and writes the compression dictionaries (<c>#dict:*</c>, <c>#catalog:dicts</c>); no record.</summary>
    Trainer,
}

/// <summary>
/// Redis ACL rules for the roles, as one <c>user …</c> line of an ACL file (the same words follow
/// <c>ACL SETUSER name</c>). The password is stored as its SHA-256 (Redis's <c>#hash</c> form), so
/// the line can be kept in configuration management without the password.
/// </summary>
public static class AclRules
{
    /// <summary>
    /// What every client sends to connect, pick a database and find out what the server is. Only
    /// commands Redis 7.0 knows: an unknown one makes the whole ACL file fail to load (CLIENT
    /// SETINFO, which StackExchange.Redis also tries, is 7.2's; its refusal is harmless). ASKING: a
    /// cluster being resharded answers ASK, and the command is sent again after it.
    /// </summary>
    private const string Connection = "+ping +echo +hello +auth +select +quit +client|setname +client|id +info +readonly +asking +cluster|slots +cluster|shards +cluster|nodes +cluster|info";

    /// <summary>The channel queries publish their cost on.</summary>
    public const string CostChannel = "sysops-api";

    /// <summary>The user name <c>acl</c> suggests for <paramref name="role"/> (<c>sysops-reader</c>, …).</summary>
    public static string DefaultUser(AclRole role) => role switch
    {
        AclRole.Reader => "sysops-reader",
        AclRole.Pusher => "sysops-pusher",
        AclRole.Trainer => "sysops-trainer",
        _ => "sysops-admin",
    };

    /// <summary>The ACL file line of <paramref name="user"/> in <paramref name="role"/>.</summary>
    public static string Line(AclRole role, string user, string password)
    {
        CheckUser(user);
        return $"user {user} on {PasswordHash(password)} resetkeys resetchannels {Permissions(role, user)}";
    }

    /// <summary>
    /// A pusher limited to one host's keys (<c>host#*</c>): a compromised host can forge neither its
    /// neighbours' records nor read them. It still adds to the shared key catalog (a selector: ZADD
    /// only, so it can add entries but not replace, expire or delete a set; what it adds is checked
    /// by readers, see <see cref="KeyCatalogProducer"/>), and extends the life of dictionaries (a
    /// selector: expiry commands only, on <c>#dict:</c> + 8 hex digits, so neither a dictionary's
    /// bytes nor the <c>#dict:current</c> pointer).
    /// </summary>
    public static string HostPusherLine(string host, string secret)
    {
        CheckUser(host);
        return $"user {host} on {PasswordHash(HostPassword(secret, host))} resetkeys resetchannels ~{EscapeGlob(host)}#* ~{HistoryOf(host)} {DictionaryReads} -@all {Connection} {PushCommands} {HistoryCommands} {CatalogAdds} ({DictionaryLives}) ({DictionaryRanges})";
    }

    /// <summary>
    /// A host's own password, derived from the operators' secret: each host is given only its own,
    /// and cannot derive another's.
    /// </summary>
    public static string HostPassword(string secret, string host) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(host)));

    /// <summary>The password (or per-host secret) from the environment, as connections take it; required here.</summary>
    public static string SecretFromEnvironment() =>
        RedisPassword.Read()
        ?? throw Errors.BadArgument("no password: set SYSOPS_FAST_REDIS_PASSWORD, or SYSOPS_FAST_REDIS_PASSWORD_FILE to a file holding it (mode 600); for per-host pushers it is the secret their passwords derive from");

    /// <summary>The dictionaries and line delta bases, their catalogs and current pointers (<c>#dict:current</c>, <c>#base:current</c>) (read).</summary>
    private const string DictionaryReads = "%R~#catalog:dicts %R~#dict:* %R~#catalog:bases %R~#base:*";

    /// <summary>Catalog entries, added: ZADD and nothing else on the catalog's keys.</summary>
    private const string CatalogAdds = "(%W~#catalog:* +zadd)";

    /// <summary>
    /// Writes (SETEX: how StackExchange.Redis sends a SET with expiry) and refreshes records and
    /// catalog entries; GET/MGET/HMGET/PTTL reach only what the key patterns allow (dictionaries
    /// and their pointer).
    /// </summary>
    private const string PushCommands = "+set +setex +psetex +expire +pexpire +persist +exists +zadd +get +mget +hmget +pttl";

    /// <summary>
    /// What writing a record with its history takes (docs/FORMAT.md, "History"): the replaced record
    /// and the list read (GET, LRANGE), then a transaction watching both (WATCH, LLEN) that sets the
    /// record and pushes, trims and expires the list.
    /// </summary>
    private const string HistoryCommands = "+watch +unwatch +multi +exec +discard +lpush +ltrim +lrange +llen";

    /// <summary>A host's history lists: <c>#history:{tag}:host#…</c>, the tag 4 characters wide, so no other host's.</summary>
    private static string HistoryOf(string host) => $"{Format.HistoryKey.Prefix}{{????}}:{EscapeGlob(host)}#*";

    /// <summary>8 hex digits: the id part of a dictionary's or base's key (so not <c>current</c>).</summary>
    private const string IdDigits = "[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]";

    /// <summary>Extending a dictionary's or base's life, and nothing else of it.</summary>
    private const string DictionaryLives = $"%W~#dict:{IdDigits} %W~#base:{IdDigits} +expire +pexpire +persist";

    /// <summary>Reading a dictionary or base bounded (GETRANGE of its first bytes), and no record: no pusher reads records.</summary>
    private const string DictionaryRanges = $"%R~#dict:{IdDigits} %R~#base:{IdDigits} +getrange";

    private const string ReadCommands = "+get +mget +getrange +strlen +exists +ttl +pttl +scan +zscan +zmscore +zrange +zrangebyscore +zcard +hgetall +hmget +lrange +llen +publish +xadd +xrange +xrevrange +xinfo|stream";

    /// <summary>
    /// Records: <c>host#object</c>, a host never starting with <c>#</c> (it holds none), so no
    /// <c>#audit:*</c>, <c>#dict:*</c> or other <c>#</c> key; the catalog is granted on its own.
    /// </summary>
    private const string RecordKeys = "[^#]*#*";

    /// <summary>
    /// Appending to the user's own audit stream and nothing else of it (a selector: XADD only, which
    /// the role's other rules grant on no audit key), so an entry's author is the stream it is in.
    /// </summary>
    private static string OwnAudit(string user) => $"(+xadd %W~{EscapeGlob(Query.AuditTrail.StreamOf(user))})";

    private static string Permissions(AclRole role, string user) => role switch
    {
        AclRole.Reader => $"%R~* &{CostChannel} -@all {Connection} {ReadCommands} {OwnAudit(user)}",
        AclRole.Pusher => $"%W~{RecordKeys} %W~{Format.HistoryKey.Prefix}* {DictionaryReads} -@all {Connection} {PushCommands} {HistoryCommands} {CatalogAdds} ({DictionaryLives}) ({DictionaryRanges})",
        AclRole.Trainer => $"%R~* %W~#dict:* %W~{KeyCatalog.Prefix}dicts %W~#base:* %W~{KeyCatalog.Prefix}bases &{CostChannel} -@all {Connection} {ReadCommands} +set +expire +pexpire +persist +zadd +hset +hdel {OwnAudit(user)}",
        _ => "~* &* +@all",
    };

    private static string PasswordHash(string password) =>
        "#" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(password)));

    /// <summary>A user name is one word of the ACL file: no spaces or control characters.</summary>
    private static void CheckUser(string user)
    {
        if (user.Length == 0 || user.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || user.Contains('#', StringComparison.Ordinal))
        {
            throw Errors.BadArgument($"'{ControlFree(user)}' cannot be a Redis user name (empty, or holds a space, a control character or '#')");
        }
    }

    private static string ControlFree(string text) => new([.. text.Select(c => char.IsControl(c) ? '?' : c)]);

    /// <summary>Redis key patterns are globs: a host name's glob characters must match only themselves.</summary>
    private static string EscapeGlob(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                escaped.Append('\\');
            }
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
