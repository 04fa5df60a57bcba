namespace SysopsFast.Grep;

/// <summary>
/// Receives what the searcher finds in one worker. One instance per worker (no locking on the hot
/// path); <see cref="IGrepSinkFactory"/> merges them at the end.
/// </summary>
public interface IGrepSink
{
    /// <summary>A record starts; <paramref name="key"/> is its full key (UTF-8), <c>host#object</c>.</summary>
    void BeginRecord(ReadOnlySpan<byte> key);

    /// <summary>A selected line (without its '\n'). Returns false to stop the whole query.</summary>
    bool Matched(ReadOnlySpan<byte> line);

    /// <summary>Whether the sink wants each line's number (counting lines costs the searcher a little).</summary>
    bool NeedsLineNumbers => false;

    /// <summary>A selected line and its 1-based number in the record; only called when <see cref="NeedsLineNumbers"/> (and by the context searcher).</summary>
    bool Matched(ReadOnlySpan<byte> line, long lineNumber) => Matched(line);

    /// <summary>A context line (<c>-A</c>/<c>-B</c>/<c>-C</c>) and its number.</summary>
    void Context(ReadOnlySpan<byte> line, long lineNumber) { }

    /// <summary>The record's first group of context output starts.</summary>
    void GroupStart() { }

    /// <summary>A group of context output starts that does not touch the previous one (GNU prints <c>--</c>).</summary>
    void GroupBreak() { }

    /// <summary>The record is done; <paramref name="selectedLines"/> lines were passed to <see cref="Matched(ReadOnlySpan{byte})"/>.</summary>
    void EndRecord(long selectedLines);

    /// <summary>
    /// After each batch of records: a sink that hands lines to a slower consumer waits here for room,
    /// asynchronously (the calls above are synchronous and must not block a pool thread).
    /// </summary>
    ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>Makes one sink per worker and combines them when the query ends.</summary>
public interface IGrepSinkFactory
{
    /// <summary>One sink for one worker; called once per worker before the query reads.</summary>
    IGrepSink CreateForWorker();

    /// <summary>Whether the sinks use context lines; when not, the search finds none (the plain searcher is faster).</summary>
    bool TakesContext => true;

    /// <summary>Called once, after every worker has finished, whatever ended the query (cancelled or failed too).</summary>
    void Complete(IReadOnlyList<IGrepSink> workerSinks);
}
