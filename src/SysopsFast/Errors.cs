using System.Globalization;

namespace SysopsFast;

/// <summary>The one place that builds user-facing exceptions.</summary>
internal static class Errors
{
    public static SysopsFastException ServerUnreachable(string server, Exception? inner) =>
        new($"cannot reach the Redis server {server} ({ConnectReason(inner)}); check its address and that the server runs", ErrorKind.ServerUnreachable, ErrorRemedy.ServerAddress, inner);

    /// <summary>A Redis Cluster's node other than the one named: it names itself (its seed's name would hide it).</summary>
    public static SysopsFastException ClusterNodeUnreachable(string node, Exception reason) =>
        new($"the cluster's primary {node} cannot be reached ({Brief(reason)}), so the keys of its slots cannot be read", ErrorKind.ServerUnreachable);

    public static SysopsFastException ServerFailed(string server, Exception inner) =>
        new($"the Redis server {server} failed during the query ({Reason(inner)}); the answer would be incomplete, so none is given", ErrorKind.ServerFailed, inner: inner);

    /// <summary>An error reply, in Redis's own words (NOPERM names the permission missing).</summary>
    public static SysopsFastException ServerRefused(string server, string command, string reply) =>
        new($"the Redis server {server} refused {command}: {reply}", ErrorKind.ServerFailed);

    public static SysopsFastException BadAddress(string address, string why) =>
        new($"'{address}' is not a Redis address ({why}); write it as redis://host:port[/db] or host:port");

    public static SysopsFastException BadRegex(string pattern, string why) =>
        new($"the regular expression '{pattern}' is not valid ({why}); fix it, or search for the literal text", remedy: ErrorRemedy.Regex);

    public static SysopsFastException LineTooLongForRegex(long length, long limit) =>
        new($"a line of {length.ToString(CultureInfo.InvariantCulture)} bytes is longer than a regular expression is run on ({limit.ToString(CultureInfo.InvariantCulture)} bytes: the engine reads a line as UTF-16, twice its size); search for literal text instead", remedy: ErrorRemedy.Regex);

    /// <summary>kv or counting identical lines met a line longer than it holds (<see cref="Grep.DistinctTableLimit"/>).</summary>
    public static SysopsFastException HeldLineTooLong(string table, string what, string key, long length, long limit) =>
        new($"{table}: '{key}' holds a {what} of {length.ToString(CultureInfo.InvariantCulture)} bytes, over the {limit.ToString(CultureInfo.InvariantCulture)} bytes {table} holds per {what}; leave that object out of the query", remedy: ErrorRemedy.HostRestriction);

    /// <summary>kv or counting identical lines would hold more distinct entries than one answer may.</summary>
    public static SysopsFastException TooManyDistinct(string table, string key, long entries, long bytes) =>
        new($"{table}: '{key}' takes the answer past the {entries.ToString(CultureInfo.InvariantCulture)} distinct entries or {bytes.ToString(CultureInfo.InvariantCulture)} bytes one answer holds; select fewer lines or keys, or leave that object out of the query", remedy: ErrorRemedy.HostRestriction);

    public static SysopsFastException PatternHasNewline() =>
        new("the search text contains a newline; lines are matched one at a time, so it could never match");

    public static SysopsFastException NothingMatched(string objectPattern, IEnumerable<string> servers) =>
        new($"no object matches '{objectPattern}' on {string.Join(", ", servers)}; check the object name and the servers asked", remedy: ErrorRemedy.ServerAddress);

    public static SysopsFastException DictionaryTooLarge(string noun, string key, int length, int limit) =>
        new($"{noun} {key} is {length} bytes, over the {limit} byte limit of a {noun}; it was not stored");

    public static SysopsFastException BadArgument(string what, ErrorRemedy remedy = ErrorRemedy.None) => new(what, remedy: remedy);

    /// <summary>A configuration file (topology, agent) that cannot be used: file, line, key and why.</summary>
    public static SysopsFastException FileInvalid(string file, int line, string? key, string why) =>
        new(key is null
            ? $"{file}:{line.ToString(CultureInfo.InvariantCulture)}: {why}"
            : $"{file}:{line.ToString(CultureInfo.InvariantCulture)}: {key}: {why}");

    public static SysopsFastException RangeFailed(string server, string expression, string why) =>
        new($"the Range server {server} could not resolve '{expression}' ({why}); check the Range server and the expression", ErrorKind.ServerFailed, ErrorRemedy.RangeServer);

    public static SysopsFastException NothingMatchedAmongHosts(string objectPattern, string filter, IEnumerable<string> servers) =>
        new($"no object matches '{objectPattern}' for {filter} on {string.Join(", ", servers)}; check the host restriction and the object name", remedy: ErrorRemedy.HostRestriction);

    public static SysopsFastException CoreUnavailable(string core, IEnumerable<string> failures, Exception? last = null) =>
        new($"no server of core {core} answered ({string.Join("; ", failures)}); an answer without it would be incomplete: fix a server, or accept a partial answer", ErrorKind.Unavailable, ErrorRemedy.AllowPartial, last);

    public static SysopsFastException ReplicasUnavailable(IEnumerable<string> servers, Exception? last = null) =>
        new($"cannot verify replicas: a server could not be read ({string.Join("; ", servers)}); its copies cannot be compared: fix the server, or verify the others without it", ErrorKind.Unavailable, ErrorRemedy.AllowPartial, last);

    public static SysopsFastException NothingToVerify(IEnumerable<string> skipped) =>
        new($"nothing to verify: no core in scope has two servers that answered to compare ({string.Join("; ", skipped)}); verify compares the replicas a topology file lists for a core", remedy: ErrorRemedy.TopologyFile);

    public static SysopsFastException SensitiveObjects(IReadOnlyList<string> keys) =>
        new($"{keys.Count} object(s) look like secrets (a password hash, a private key) that every reader of the fleet could read: {string.Join(", ", keys.Take(5))}{(keys.Count > 5 ? ", …" : "")}; remove them, or import them anyway", remedy: ErrorRemedy.AllowSensitive);

    public static SysopsFastException AgentConfigTooOpen(string file) =>
        new($"the agent configuration file '{file}' can be changed by users other than its owner, and it names the commands the agent runs; make it writable by its owner only with chmod go-w '{file}'");

    /// <summary>Run as root, the agent obeys only a configuration file that no user but root (or the service user) can change or replace.</summary>
    public static SysopsFastException AgentConfigNotTrusted(string file, string why, string fix) =>
        new($"the agent configuration file '{file}' is refused: {why}, and it names the commands the agent runs as root; fix it with {fix}");

    public static SysopsFastException BadCommand(string text, string why) =>
        new($"'{text}' is not a command to run ({why}); write it as name=command, such as sysctl-a=sysctl -a", remedy: ErrorRemedy.Command);

    /// <summary>Another push holds the lock file: two pushes at once would write the same keys and ledger.</summary>
    public static SysopsFastException PushRunning(string lockFile, string holder) =>
        new($"another push is running ({holder}; it holds '{lockFile}'); this one stops so that they do not overlap", ErrorKind.Local);

    public static SysopsFastException HardwareIdentificationInvalid(string file, string why) =>
        new($"cannot read command outputs from '{file}': {why}; fix the file, or give another");

    public static SysopsFastException BadHostName(string host) =>
        new($"'{host}' cannot be a host name ({ObjectKey.HostNameProblem(host)}); give another", remedy: ErrorRemedy.HostName);

    public static SysopsFastException BadHostDirectory(string directory, string host) =>
        new($"the directory '{host}' in {directory} cannot be a host name ({ObjectPath.HostDirectoryProblem(host)}); rename or remove it");

    /// <summary>
    /// A directory where a file is read: the one wording for the host list, the topology file and
    /// the password file (a <paramref name="configuration"/> problem is the same at every server).
    /// </summary>
    public static SysopsFastException DirectoryNotFile(string what, string path, ErrorRemedy remedy = ErrorRemedy.None, bool configuration = false) =>
        new($"{what} '{path}' is a directory, not a file", configuration ? ErrorKind.Configuration : ErrorKind.InvalidInput, remedy);

    public static SysopsFastException TarLinksNotFollowed() =>
        new("a tar stream's symlinks cannot be followed: what they lead to is another entry of the stream, or outside it; make the archive with tar --dereference to store the files they lead to");

    /// <summary>A tar stream that is not tar or broke off: what came before it was imported, and stays.</summary>
    public static SysopsFastException TarBroken(string why, long records, int hosts) =>
        new(string.Create(CultureInfo.InvariantCulture, $"the tar stream is broken: {why}; {records} object(s) of {hosts} host(s) read before it were imported, nothing after it"));

    public static SysopsFastException NotADirectory(string path) =>
        new($"'{path}' is not a directory; give the directory that holds one sub-directory per host");

    public static SysopsFastException WriteFailed(string path, Exception inner) =>
        new($"cannot write '{path}' ({Reason(inner)}); check free space and permissions", ErrorKind.Local, inner: inner);

    public static SysopsFastException SourceUnreachable(string server, Exception? inner) =>
        new($"cannot reach the original cache's Redis server {server} ({ConnectReason(inner)}); check its address and that it runs", ErrorKind.ServerUnreachable, inner: inner);

    public static SysopsFastException SourceFailed(string server, Exception inner) =>
        new($"the original cache's Redis server {server} failed during the migration ({Reason(inner)}); run the migration again once it answers (keys already written are written again)", ErrorKind.ServerFailed, inner: inner);

    public static SysopsFastException TargetFailed(string server, Exception inner) =>
        new($"the Redis server {server} failed while records were written to it ({Reason(inner)}); run the migration again once it answers (keys already written are written again)", ErrorKind.ServerFailed, inner: inner);

    public static SysopsFastException SourceIsTarget(string server) =>
        new($"{server} is both the original cache and a target: its lists would be overwritten while they are read; write to another server or database");

    public static SysopsFastException Bzip2Unavailable(Exception inner) =>
        new($"libbz2 cannot be loaded ({Reason(inner)}); install it (Debian: apt-get install libbz2-1.0) to read the original cache", ErrorKind.Local, inner: inner);

    /// <summary>Environment variables that give the password (never the command line).</summary>
    private const string PasswordSources = "SYSOPS_FAST_REDIS_PASSWORD or SYSOPS_FAST_REDIS_PASSWORD_FILE";

    /// <summary>A wrong password, an unknown or disabled user (Redis answers WRONGPASS to all three).</summary>
    public static SysopsFastException AuthenticationFailed(string server, string? user, bool passwordGiven, string serverText) =>
        new($"authentication failed on the Redis server {server} as user '{user ?? "default"}'{(passwordGiven ? "" : " with no password")} ({serverText}); check the user in the address and the password in {PasswordSources}", ErrorKind.Configuration, ErrorRemedy.Credentials);

    /// <summary>The server wants a password and none was given.</summary>
    public static SysopsFastException AuthenticationRequired(string server) =>
        new($"authentication failed on the Redis server {server}: it requires a password and none was given; set {PasswordSources}", ErrorKind.Configuration, ErrorRemedy.Credentials);

    /// <summary>An environment variable whose value is not what it must be.</summary>
    public static SysopsFastException BadSetting(string variable, string value, string expected) =>
        new($"{variable}='{value}' is not {expected}; fix or unset it", ErrorKind.Configuration);

    public static SysopsFastException PasswordFileTooOpen(string file) =>
        new($"the password file '{file}' (SYSOPS_FAST_REDIS_PASSWORD_FILE) can be read or written by other users; make it private with chmod 600 '{file}'", ErrorKind.Configuration, ErrorRemedy.Credentials);

    public static SysopsFastException PasswordFileUnreadable(string file, Exception inner) =>
        new($"cannot read the password file '{file}' named by SYSOPS_FAST_REDIS_PASSWORD_FILE ({Reason(inner)}); check its path and permissions", ErrorKind.Configuration, ErrorRemedy.Credentials, inner);

    /// <summary>An ACL refusal (NOPERM), worded as Redis states it; <paramref name="command"/> when the caller knows it.</summary>
    public static SysopsFastException NoPermission(string server, string? command, string serverText) =>
        new($"the Redis server {server} refused {(command is null ? "a command" : command.ToUpperInvariant())} to this user ({serverText}); grant the user that permission (ACL SETUSER) or connect as another user", ErrorKind.Configuration, ErrorRemedy.Permission);

    /// <summary>
    /// What a server's error reply means for the user when it is about credentials or permissions
    /// (WRONGPASS, NOAUTH, NOPERM); null for any other error.
    /// </summary>
    public static SysopsFastException? FromServerError(string server, string? command, string serverText, string? user = null, bool passwordGiven = true) =>
        serverText.StartsWith("NOPERM", StringComparison.Ordinal) ? NoPermission(server, command, serverText)
        : serverText.StartsWith("WRONGPASS", StringComparison.Ordinal) ? AuthenticationFailed(server, user, passwordGiven, serverText)
        : serverText.StartsWith("NOAUTH", StringComparison.Ordinal) ? AuthenticationRequired(server)
        : null;

    /// <summary>
    /// The configuration error under <paramref name="e"/> (credentials, permissions, TLS, a port of the
    /// other kind: one built here, or a StackExchange.Redis server error about credentials or
    /// permissions), or null. Such an error is the same on every replica, so it is told as is.
    /// </summary>
    public static SysopsFastException? ConfigurationError(string server, Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case SysopsFastException { Kind: ErrorKind.Configuration } s:
                    return s;
                case StackExchange.Redis.RedisServerException when Redis.RedisFailure.From(server, x) is { Kind: ErrorKind.Configuration } refused:
                    return refused;
            }
        }
        return null;
    }

    public static SysopsFastException TlsFileUnreadable(string what, string file, Exception inner) =>
        new($"cannot read the TLS {what} '{file}' ({Reason(inner)}); check its path, and that it is PEM", ErrorKind.Configuration, ErrorRemedy.Tls, inner);

    public static SysopsFastException TlsKeyWithoutCertificate(string file) =>
        new($"the TLS client key '{file}' was given without its certificate; give both", ErrorKind.Configuration, ErrorRemedy.Tls);

    /// <summary>The handshake failed for a reason the validation or the server's alert named.</summary>
    public static SysopsFastException TlsFailed(string server, string why, Exception? inner = null) =>
        new($"TLS to the Redis server {server} failed: {why}", ErrorKind.Configuration, ErrorRemedy.Tls, inner);

    public static SysopsFastException TlsToPlainPort(string server, Exception? inner = null) =>
        new($"TLS to the Redis server {server} failed: that port answers without TLS; use redis:// for it, or the server's TLS port", ErrorKind.Configuration, ErrorRemedy.ServerAddress, inner);

    public static SysopsFastException PlainToTlsPort(string server, Exception? inner = null) =>
        new($"the Redis server {server} expects TLS on that port and closed the plain connection; use rediss://{server}", ErrorKind.Configuration, ErrorRemedy.ServerAddress, inner);

    /// <summary>The client's connect failure text is long; the socket error under it says what happened.</summary>
    private static string ConnectReason(Exception? e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is System.Net.Sockets.SocketException s)
            {
                return s.SocketErrorCode.ToString() switch
                {
                    "ConnectionRefused" => "connection refused",
                    "TimedOut" => "connection timed out",
                    _ => s.Message,
                };
            }
        }
        // The client says only "not possible to connect": refused and silent look the same to it.
        return e is StackExchange.Redis.RedisConnectionException ? "it refused the connection or did not answer" : Reason(e);
    }

    /// <summary>A short reason for lists of failures ("127.0.0.1:6380: connection refused").</summary>
    public static string Brief(Exception e) => e switch
    {
        SysopsFastException { Kind: ErrorKind.Configuration } s => s.Message,
        SysopsFastException { Kind: ErrorKind.ServerFailed, InnerException: { } inner } when inner is not SysopsFastException => Brief(inner),
        SysopsFastException s when s.InnerException is StackExchange.Redis.RedisConnectionException => ConnectReason(s.InnerException),
        SysopsFastException s when s.InnerException is not null => Reason(s.InnerException),
        ChannelClosedException { InnerException: { } inner } => Brief(inner),
        StackExchange.Redis.RedisConnectionException => "connection lost",
        TimeoutException or StackExchange.Redis.RedisTimeoutException => "timed out",
        _ => Reason(e),
    };

    private static string Reason(Exception? e)
    {
        if (e is null)
        {
            return "no reason given";
        }
        var message = (e.InnerException is { } inner && e.Message.Length > 200 ? inner : e).Message;
        var firstLine = message.Split('\n', 2)[0].Trim();
        return firstLine.Length > 200 ? firstLine[..200] + "…" : firstLine;
    }

    /// <summary>The audit trail cannot be read from a server without streams (the embedded Garnet server).</summary>
    public static SysopsFastException AuditUnavailable(string server, string reason) =>
        new($"auditing is not available on {server} (the server has no streams: {reason}); queries there are not recorded, so there is no audit trail to show", ErrorKind.Unavailable);
}
