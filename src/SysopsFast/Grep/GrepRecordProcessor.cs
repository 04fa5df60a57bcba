using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Grep;

/// <summary>Runs the searcher over each decoded record and feeds the worker's sink.</summary>
internal sealed class GrepRecordProcessor : IRecordProcessor
{
    private readonly IMatcher _matcher;
    private readonly bool _invert;

    public GrepRecordProcessor(IMatcher matcher, bool invert, IGrepSink sink)
    {
        _matcher = matcher;
        _invert = invert;
        Sink = sink;
    }

    public IGrepSink Sink { get; }
    public long RecordsWithSelection { get; private set; }
    public long SelectedLines { get; private set; }

    public bool Process(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content)
    {
        Sink.BeginRecord(key);
        var selected = LineSearcher.Search(content, _matcher, _invert, Sink);
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
}

internal sealed class GrepRecordProcessorFactory : IRecordProcessorFactory
{
    private readonly IMatcher _matcher;
    private readonly bool _invert;
    private readonly IGrepSinkFactory _sinks;

    public GrepRecordProcessorFactory(IMatcher matcher, bool invert, IGrepSinkFactory sinks)
    {
        _matcher = matcher;
        _invert = invert;
        _sinks = sinks;
    }

    public long RecordsWithSelection { get; private set; }
    public long SelectedLines { get; private set; }

    public IRecordProcessor CreateForWorker() => new GrepRecordProcessor(_matcher.CloneForWorker(), _invert, _sinks.CreateForWorker());

    public void Complete(IReadOnlyList<IRecordProcessor> processors)
    {
        var grep = processors.Cast<GrepRecordProcessor>().ToList();
        RecordsWithSelection = grep.Sum(p => p.RecordsWithSelection);
        SelectedLines = grep.Sum(p => p.SelectedLines);
        _sinks.Complete(grep.Select(p => p.Sink).ToList());
    }
}
