using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Pipeline;

namespace SysopsFast.Query;

/// <summary>
/// A join by host (<c>--having</c> / <c>--lacking</c>): keep only the hosts whose object matching
/// <see cref="ObjectPattern"/> has (or has no) line matching <see cref="Text"/>. A host that does
/// not hold such an object at all does not satisfy <c>having</c> and does satisfy <c>lacking</c>.
/// </summary>
public sealed record HostCondition(string ObjectPattern, string Text, bool Having)
{
    /// <summary>The text is a regular expression (as grep -E), not literal.</summary>
    public bool Regex { get; init; }

    /// <summary>Letters match either case (as grep -i).</summary>
    public bool IgnoreCase { get; init; }

    /// <summary><c>having OBJECT 'TEXT'</c> or <c>lacking OBJECT 'TEXT'</c>, for messages.</summary>
    public override string ToString() => $"{(Having ? "having" : "lacking")} {ObjectPattern} '{Text}'";
}

/// <summary>What a join computed (<see cref="FleetQuery.NarrowToHostsAsync"/>).</summary>
/// <param name="Conditions">Per condition, how many hosts' object matched.</param>
/// <param name="Summaries">What reading each condition's object cost.</param>
/// <param name="Query">
/// The query narrowed to the hosts that satisfy every condition. It shares the connections of the
/// query it was narrowed from, which owns them: disposing it closes nothing.
/// </param>
public sealed record HostJoin(IReadOnlyList<(HostCondition Condition, int HostsMatching)> Conditions, IReadOnlyList<ExtractSummary> Summaries, FleetQuery Query);

/// <summary>Collects the hosts of records with at least one line the matcher finds (one pass, first match per record).</summary>
internal sealed class MatchingHostCollector(IMatcher matcher) : IRecordProcessorFactory
{
    private readonly BaseMatchCache _baseMatches = new(invert: false);

    public HashSet<string> Hosts { get; } = new(StringComparer.OrdinalIgnoreCase);

    public IRecordProcessor CreateForWorker() => new Worker(matcher.CloneForWorker(), _baseMatches);

    public void Complete(IReadOnlyList<IRecordProcessor> processors)
    {
        foreach (var p in processors)
        {
            Hosts.UnionWith(((Worker)p).Hosts);
        }
    }

    /// <summary>A line delta record is searched from its ops, to its first selected line.</summary>
    private sealed class Worker(IMatcher matcher, BaseMatchCache baseMatches) : IRecordProcessor, ILineDeltaProcessor
    {
        private DeltaLineSearcher? _deltaSearcher;

        public HashSet<string> Hosts { get; } = new(StringComparer.OrdinalIgnoreCase);

        public bool ReadsLineDeltas => true;

        public bool Process(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content)
        {
            if (!content.IsEmpty && matcher.FindNextLine(content, 0, out _, out _))
            {
                Hosts.Add(ObjectKey.Display(ObjectKey.HostOf(key)));
            }
            return true;
        }

        public LineDeltaOutcome Process(ReadOnlySpan<byte> key, in RecordHeader header, in LineDeltaRecord record)
        {
            _deltaSearcher ??= new DeltaLineSearcher(matcher, invert: false, baseMatches);
            if (_deltaSearcher.Search(record, 1, DeltaLineTargets.CountOnly) > 0)
            {
                Hosts.Add(ObjectKey.Display(ObjectKey.HostOf(key)));
            }
            return LineDeltaOutcome.Continue;
        }
    }
}
