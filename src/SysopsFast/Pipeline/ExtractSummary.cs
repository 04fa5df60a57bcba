namespace SysopsFast.Pipeline;

/// <summary>What a query did: enough for the stderr summary, exit codes and --cost later.</summary>
public sealed record ExtractSummary
{
    /// <summary>The servers read, as <c>host:port</c>.</summary>
    public required IReadOnlyList<string> Servers { get; init; }
    /// <summary>Keys the query found for its pattern.</summary>
    public long KeysDiscovered { get; init; }
    /// <summary>Records handed to the processors: decoded, or line delta records read from their ops (<see cref="LineDeltaRecordsRead"/>).</summary>
    public long RecordsRead { get; init; }
    /// <summary>Keys found that had no value when fetched (expired or deleted meanwhile).</summary>
    public long RecordsMissing { get; init; }
    /// <summary>Bytes fetched from the servers.</summary>
    public long BytesFetched { get; init; }
    /// <summary>Bytes of contents once decoded.</summary>
    public long RawBytes { get; init; }

    /// <summary>
    /// Line delta records answered from their ops and base, their contents never rebuilt: of <see cref="RecordsRead"/>,
    /// and not in <see cref="RawBytes"/>.
    /// </summary>
    public long LineDeltaRecordsRead { get; init; }

    /// <summary>Payload bytes of the <see cref="LineDeltaRecordsRead"/>: what was read of them instead of their contents.</summary>
    public long LineDeltaBytesRead { get; init; }
    /// <summary>Records that could not be read, skipped.</summary>
    public required IReadOnlyList<CorruptRecord> Corrupt { get; init; }
    /// <summary>How long the query took.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>The query was cancelled (Ctrl-C) and the answer covers only part of the fleet.</summary>
    public bool Partial { get; init; }

    /// <summary>"core: server" for each core that answered.</summary>
    public IReadOnlyList<string> CoresAnswered { get; init; } = [];

    /// <summary>Cores left out under --allow-partial, with reasons; empty otherwise.</summary>
    public IReadOnlyList<string> CoresMissing { get; init; } = [];

    /// <summary>Failovers and retries that happened on the way.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Servers whose keys were found by SCAN instead of the key catalog (none there, or --scan).</summary>
    public int ServersScanned { get; init; }

    /// <summary>Keys whose record was not fetched because another with the same md5 was.</summary>
    public long KeysDeduplicated { get; init; }

    /// <summary>When each stage first got somewhere (connected, first keys, first batch, fetched), in ms from the start.</summary>
    public IReadOnlyDictionary<string, double> Milestones { get; init; } = new Dictionary<string, double>();

    /// <summary>Per server: keys, bytes fetched and decoded, time to its last reply (for --cost).</summary>
    public IReadOnlyList<ServerCost> Costs { get; init; } = [];

    /// <summary>
    /// One summary for a query of several phases (compare's headers then samples, search's chunks):
    /// counts added up, lists joined without repeats, partial if any phase was.
    /// </summary>
    public static ExtractSummary Combine(IReadOnlyList<ExtractSummary> phases)
    {
        ArgumentNullException.ThrowIfNull(phases);
        if (phases.Count == 1)
        {
            return phases[0];
        }
        return new ExtractSummary
        {
            Servers = phases.SelectMany(p => p.Servers).Distinct(StringComparer.Ordinal).ToArray(),
            KeysDiscovered = phases.Sum(p => p.KeysDiscovered),
            RecordsRead = phases.Sum(p => p.RecordsRead),
            RecordsMissing = phases.Sum(p => p.RecordsMissing),
            BytesFetched = phases.Sum(p => p.BytesFetched),
            RawBytes = phases.Sum(p => p.RawBytes),
            LineDeltaRecordsRead = phases.Sum(p => p.LineDeltaRecordsRead),
            LineDeltaBytesRead = phases.Sum(p => p.LineDeltaBytesRead),
            Corrupt = phases.SelectMany(p => p.Corrupt).Distinct().ToArray(),
            Elapsed = TimeSpan.FromTicks(phases.Sum(p => p.Elapsed.Ticks)),
            Partial = phases.Any(p => p.Partial),
            CoresAnswered = phases.SelectMany(p => p.CoresAnswered).Distinct(StringComparer.Ordinal).ToArray(),
            CoresMissing = phases.SelectMany(p => p.CoresMissing).Distinct(StringComparer.Ordinal).ToArray(),
            Warnings = phases.SelectMany(p => p.Warnings).Distinct(StringComparer.Ordinal).ToArray(),
            ServersScanned = phases.Max(p => p.ServersScanned),
            KeysDeduplicated = phases.Sum(p => p.KeysDeduplicated),
            Costs = ServerCost.Merge(phases.SelectMany(p => p.Costs)),
            StoppedEarly = phases.Any(p => p.StoppedEarly),
        };
    }

    /// <summary>A processor asked to stop early (for example a broken output pipe).</summary>
    public bool StoppedEarly { get; init; }
}
