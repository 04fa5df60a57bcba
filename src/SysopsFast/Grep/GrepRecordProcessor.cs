using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Grep;

/// <summary>
/// Runs the searcher over each decoded record and feeds the worker's sink; a line delta record is
/// searched from its ops (<see cref="DeltaLineSearcher"/>) unless context lines are asked for.
/// </summary>
internal sealed class GrepRecordProcessor : IRecordProcessor, ILineDeltaProcessor
{
    private readonly IMatcher _matcher;
    private readonly bool _invert;
    private readonly long _oldestMs;
    private readonly SelectionLimits _limits;
    private readonly BaseMatchCache? _baseMatches;
    private DeltaLineSearcher? _deltaSearcher;

    /// <param name="oldestMs">Records stored before this (Unix ms) are stale: skipped, counted.</param>
    /// <param name="matcher">Finds the selected lines (this worker's own).</param>
    /// <param name="invert">Select the lines that do not match (<c>-v</c>).</param>
    /// <param name="sink">This worker's sink.</param>
    /// <param name="limits">Per-record limits and context; null for none.</param>
    /// <param name="baseMatches">The query's line delta base matches (made for the same <paramref name="invert"/>); null: line deltas are decoded.</param>
    public GrepRecordProcessor(IMatcher matcher, bool invert, IGrepSink sink, long oldestMs = long.MinValue, SelectionLimits? limits = null, BaseMatchCache? baseMatches = null)
    {
        _matcher = matcher;
        _invert = invert;
        _oldestMs = oldestMs;
        _limits = limits ?? SelectionLimits.None;
        Sink = sink;
        _baseMatches = _limits.HasContext ? null : baseMatches;
        DeltaTarget = _baseMatches is null ? null : DeltaLineTargets.For(sink, _limits);
    }

    /// <summary>Where line delta records' selected lines go; null when they are decoded.</summary>
    public IDeltaLineTarget? DeltaTarget { get; }

    /// <summary>Context lines need a record's neighbouring lines: those records are decoded.</summary>
    public bool ReadsLineDeltas => DeltaTarget is not null;

    public IGrepSink Sink { get; }
    public long RecordsWithSelection { get; private set; }
    public long SelectedLines { get; private set; }
    public long Stale { get; private set; }
    public long Omitted { get; private set; }

    /// <summary>The first omitted keys met (at most 10: the count says how many there were).</summary>
    public List<string> FirstOmitted { get; } = [];

    public bool Process(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content)
    {
        if (Skips(key, header))
        {
            return true;
        }
        Sink.BeginRecord(key);
        var selected = _limits.IsNone ? LineSearcher.Search(content, _matcher, _invert, Sink) : ContextSearcher.Search(content, _matcher, _invert, _limits, Sink);
        return End(selected);
    }

    public LineDeltaOutcome Process(ReadOnlySpan<byte> key, in RecordHeader header, in LineDeltaRecord record)
    {
        if (Skips(key, header))
        {
            return LineDeltaOutcome.Continue;
        }
        Sink.BeginRecord(key);
        _deltaSearcher ??= new DeltaLineSearcher(_matcher, _invert, _baseMatches!);
        return End(_deltaSearcher.Search(record, _limits.MaxCount, DeltaTarget!)) ? LineDeltaOutcome.Continue : LineDeltaOutcome.Stop;
    }

    /// <summary>A stale record, or one whose contents were never stored: counted, not searched.</summary>
    private bool Skips(ReadOnlySpan<byte> key, in RecordHeader header)
    {
        if (header.InsertedUnixMs < _oldestMs)
        {
            Stale++;
            return true;
        }
        if ((header.Flags & RecordFlags.Omitted) != 0)
        {
            // Its contents were never stored: searching nothing would silently say "no match".
            if (++Omitted <= 10)
            {
                FirstOmitted.Add(ObjectKey.Display(key));
            }
            return true;
        }
        return false;
    }

    /// <summary>The record's selected lines told to the sink and counted; false when the sink asked to stop.</summary>
    private bool End(long selected)
    {
        if (selected < 0)
        {
            return false;
        }
        Sink.EndRecord(selected);
        if (selected > 0)
        {
            RecordsWithSelection++;
            SelectedLines += selected;
        }
        return true;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => Sink.FlushAsync(cancellationToken);
}

internal sealed class GrepRecordProcessorFactory : IRecordProcessorFactory
{
    private readonly IMatcher _matcher;
    private readonly bool _invert;
    private readonly IGrepSinkFactory _sinks;
    private readonly long _oldestMs;
    private readonly SelectionLimits _limits;
    private readonly BaseMatchCache _baseMatches;

    public GrepRecordProcessorFactory(IMatcher matcher, bool invert, IGrepSinkFactory sinks, long oldestMs = long.MinValue, SelectionLimits? limits = null)
    {
        _matcher = matcher;
        _invert = invert;
        _sinks = sinks;
        _oldestMs = oldestMs;
        var given = limits ?? SelectionLimits.None;
        _limits = sinks.TakesContext ? given : given.WithoutContext;
        _baseMatches = new BaseMatchCache(invert);
    }

    public long RecordsWithSelection { get; private set; }
    public long SelectedLines { get; private set; }
    public long Stale { get; private set; }
    public long Omitted { get; private set; }
    public IReadOnlyList<string> FirstOmitted { get; private set; } = [];

    public IRecordProcessor CreateForWorker() => new GrepRecordProcessor(_matcher.CloneForWorker(), _invert, _sinks.CreateForWorker(), _oldestMs, _limits, _baseMatches);

    public void Complete(IReadOnlyList<IRecordProcessor> processors)
    {
        var grep = processors.Cast<GrepRecordProcessor>().ToList();
        foreach (var tally in grep.Select(p => p.DeltaTarget).OfType<UniqTally>())
        {
            tally.Flush();
        }
        RecordsWithSelection = grep.Sum(p => p.RecordsWithSelection);
        SelectedLines = grep.Sum(p => p.SelectedLines);
        Stale = grep.Sum(p => p.Stale);
        Omitted = grep.Sum(p => p.Omitted);
        FirstOmitted = grep.SelectMany(p => p.FirstOmitted).Order(StringComparer.Ordinal).Take(10).ToArray();
        _sinks.Complete(grep.Select(p => p.Sink).ToList());
    }
}
