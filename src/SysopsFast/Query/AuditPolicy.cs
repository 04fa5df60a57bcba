namespace SysopsFast.Query;

/// <summary>
/// Whether and how a <see cref="FleetQuery"/> records its answers in the audit trail
/// (<see cref="AuditTrail"/>). On by default: every call that answers appends one
/// <see cref="AuditEntry"/> to the stream of the Redis user on each server it read. A program that
/// must not be audited says so with <see cref="Off"/>.
/// </summary>
public sealed record AuditPolicy
{
    /// <summary>Every answer recorded, described by its operation and patterns.</summary>
    public static AuditPolicy On { get; } = new();

    /// <summary>Nothing recorded: the program takes on what the audit trail would have said.</summary>
    public static AuditPolicy Off { get; } = new() { Enabled = false };

    /// <summary>Whether answers are recorded.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// What the entry says was asked (its <see cref="AuditEntry.Command"/>), e.g. a command line with
    /// its secrets removed (<see cref="AuditEntry.Redact"/>); null: the operation and its patterns.
    /// </summary>
    public string? Description { get; init; }

    /// <summary>Who asked, as the entry names them (default: this process's OS user).</summary>
    public string OsUser { get; init; } = Environment.UserName;

    /// <summary>Where they asked from (default: this machine's name).</summary>
    public string ClientHost { get; init; } = Environment.MachineName;

    /// <summary>
    /// Told of each server that did not record an entry (the answer stands); null: not told. The
    /// entry is written after the answer returns, so this runs on a thread-pool thread, at the latest
    /// before disposing the query (or <see cref="AuditRecorder.WhenWrittenAsync"/>) ends.
    /// </summary>
    public Action<AuditRefusal>? Refused { get; init; }
}

/// <summary>A server that did not record an audit entry, and why.</summary>
/// <param name="Server">The server, as <see cref="Pipeline.ServerCost.Server"/> names it.</param>
/// <param name="Reason">What it answered (refused, timed out, …).</param>
/// <param name="Unavailable">
/// The server has no streams (the embedded Garnet server): auditing is off there. Said once per
/// process for each such server; later entries are not tried there.
/// </param>
public sealed record AuditRefusal(string Server, string Reason, bool Unavailable)
{
    /// <summary>The sentence the CLI prints.</summary>
    public override string ToString() => Unavailable
        ? $"auditing is not available on {Server} (the server has no streams: {Reason}); queries there are not recorded"
        : $"the query was not recorded in the audit stream of {Server}: {Reason}";
}
