using SysopsFast.Pipeline;
using SysopsFast.Topology;

namespace SysopsFast.Query;

/// <summary>What is wrong with a key across the servers of its core.</summary>
public enum ReplicaProblem
{
    /// <summary>Some servers of the core do not have the key: no record, or their key catalog does not list it.</summary>
    Missing,

    /// <summary>The servers that have the key do not all hold the same contents (md5), or a copy is corrupt.</summary>
    Different,

    /// <summary>
    /// The copies agree, but the versions their histories keep do not (md5 and time stored of each
    /// entry), or an entry is corrupt: <see cref="ReplicaDriftRow.Version"/> says where they first differ.
    /// </summary>
    History,
}

/// <summary>
/// One server's side of a drift row. In a <see cref="ReplicaProblem.Missing"/> row only
/// <see cref="Server"/> is set (a server that lacks the key); in a <see cref="ReplicaProblem.Different"/>
/// row, <see cref="Md5Hex"/> is the copy's md5, or <see cref="Corrupt"/> says why its header cannot be read.
/// In a <see cref="ReplicaProblem.History"/> row they are those of the server's entry at the row's
/// version, with <see cref="Inserted"/>; all null when its history ends before it.
/// </summary>
public sealed record ReplicaCopy(string Server, string? Md5Hex = null, string? Corrupt = null)
{
    /// <summary>When the version was stored (a <see cref="ReplicaProblem.History"/> row's entry); null elsewhere.</summary>
    public DateTimeOffset? Inserted { get; init; }
}

/// <summary>
/// A key whose copies disagree. A key missing on some servers and different among the others
/// gives two rows, the missing one first.
/// </summary>
/// <param name="Core">The core's id (<see cref="Topology.Core.Id"/>).</param>
/// <param name="Key">The key for printing (U+FFFD where its bytes are not UTF-8).</param>
/// <param name="Servers">Missing: the servers without the key. Different: every server that has it, in topology order.</param>
/// <param name="Problem">Missing on some servers, or different among them.</param>
public sealed record ReplicaDriftRow(string Core, string Key, ReplicaProblem Problem, IReadOnlyList<ReplicaCopy> Servers)
{
    /// <summary>The key as stored.</summary>
    public byte[] KeyBytes { get; init; } = System.Text.Encoding.UTF8.GetBytes(Key);

    /// <summary>A <see cref="ReplicaProblem.History"/> row: the first version whose entries differ (1 = the newest entry of the history, the version before the current one); 0 elsewhere.</summary>
    public int Version { get; init; }
}

/// <summary>
/// The verification of one core: its rows sorted by key, or why it was skipped (one server, a Redis
/// Cluster, or too few servers answering under allow-partial).
/// </summary>
/// <param name="Compared">The servers whose copies were compared (empty when skipped).</param>
/// <param name="Keys">Distinct keys found on at least one compared server.</param>
/// <param name="Core">The core verified.</param>
/// <param name="Rows">The keys whose copies disagree, sorted by key.</param>
/// <param name="Summary">What was read.</param>
public sealed record CoreVerification(Core Core, IReadOnlyList<string> Compared, long Keys, IReadOnlyList<ReplicaDriftRow> Rows, ExtractSummary Summary)
{
    /// <summary>Why nothing was compared; null for a core that was verified.</summary>
    public string? Skipped { get; init; }

    /// <summary>Servers left out (allow-partial), each with its reason: <c>server: reason</c>.</summary>
    public IReadOnlyList<string> LeftOut { get; init; } = [];

    internal static CoreVerification Skip(Core core, string why, IReadOnlyList<string> leftOut) =>
        new(core, [], 0, [], new ExtractSummary { Servers = [], Corrupt = [], CoresMissing = Missing(core, leftOut) })
        {
            Skipped = why,
            LeftOut = leftOut,
        };

    /// <summary>A core left out because its servers did not answer, as a query's summary names it: <c>core (server: reason; …)</c>.</summary>
    internal static string[] Missing(Core core, IReadOnlyList<string> leftOut) => leftOut.Count > 0 ? [$"{core.Id} ({string.Join("; ", leftOut)})"] : [];
}
