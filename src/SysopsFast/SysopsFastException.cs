namespace SysopsFast;

/// <summary>
/// An error the user can act on: its message is one sentence that says what went wrong and what to
/// do. The library builds its own in one factory, so every message has the same voice; a front end
/// builds one for what it detects itself (its own arguments).
/// </summary>
public sealed class SysopsFastException : Exception
{
    /// <summary>An error saying <paramref name="message"/>, of <paramref name="kind"/>, with what the user can change.</summary>
    public SysopsFastException(string message, ErrorKind kind = ErrorKind.InvalidInput, ErrorRemedy remedy = ErrorRemedy.None, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Remedy = remedy;
    }

    /// <summary>What kind of failure: what failover, exit codes and statuses are decided by.</summary>
    public ErrorKind Kind { get; }

    /// <summary>What the user can change; a front end adds how to say it (the CLI names its flag).</summary>
    public ErrorRemedy Remedy { get; }

    /// <summary>
    /// The failure is one server's (or its configuration's): a query tries the core's next server,
    /// and reports the core when none is left.
    /// </summary>
    public bool IsServerSide => Kind is ErrorKind.ServerUnreachable or ErrorKind.ServerFailed or ErrorKind.Configuration;
}
