namespace SysopsFast;

/// <summary>
/// An error the user can act on: its message is one sentence that says what went wrong and what to do.
/// Built only by <see cref="Errors"/>, so every message has the same voice.
/// </summary>
public sealed class SysopsFastException : Exception
{
    internal SysopsFastException(string message, Exception? inner = null, ErrorRemedy remedy = ErrorRemedy.None) : base(message, inner) => Remedy = remedy;

    /// <summary>What the user can change; a front end adds how to say it (the CLI names its flag).</summary>
    public ErrorRemedy Remedy { get; }

    /// <summary>
    /// A configuration problem (credentials, permissions, TLS, a port of the other kind), the same on
    /// every attempt: a query reports it as is rather than as a core without a live server.
    /// </summary>
    internal bool IsConfiguration { get; init; }
}
