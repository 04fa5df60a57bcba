namespace SysopsFast;

/// <summary>
/// What kind of failure a <see cref="SysopsFastException"/> is: what a caller decides by (try
/// another server, report as is, choose an exit code or an HTTP status), never the .NET type of the
/// exception under it.
/// </summary>
public enum ErrorKind
{
    /// <summary>The caller's input cannot be used: a pattern, an address, an argument, a file's contents.</summary>
    InvalidInput,

    /// <summary>
    /// Credentials, permissions, TLS, a port of the other kind: the same on every attempt and on
    /// every replica, so it is told as is rather than as a core without a live server.
    /// </summary>
    Configuration,

    /// <summary>A server could not be reached (refused, silent, timed out while connecting).</summary>
    ServerUnreachable,

    /// <summary>A server failed during the work: it dropped the connection, timed out, refused a command or answered garbage.</summary>
    ServerFailed,

    /// <summary>No server of a core (or of the replicas to compare) answered: an answer would be incomplete, so none is given.</summary>
    Unavailable,

    /// <summary>This machine failed the work: a file not written, a library not loaded, a port taken, a lock held.</summary>
    Local,
}
