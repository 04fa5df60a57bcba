namespace SysopsFast.Grep;

/// <summary>
/// <c>-o</c>: hands the inner sink each non-empty match of a selected line instead of the line, as
/// GNU grep prints them (with <c>-v</c> the selected lines hold no match: nothing is printed). Context
/// lines are dropped; group breaks are kept, as GNU grep prints <c>--</c> between groups with -o too.
/// </summary>
internal sealed class OnlyMatchingSink(IGrepSink inner, IMatcher matcher) : IGrepSink
{
    public IGrepSink Inner => inner;

    public bool NeedsLineNumbers => inner.NeedsLineNumbers;

    public void BeginRecord(ReadOnlySpan<byte> key) => inner.BeginRecord(key);

    public bool Matched(ReadOnlySpan<byte> line) => Matched(line, 0);

    public bool Matched(ReadOnlySpan<byte> line, long lineNumber)
    {
        var start = 0;
        while (start <= line.Length && matcher.FindInLine(line, start, out var at, out var length))
        {
            if (length == 0)
            {
                start = LineBounds.AfterCharacter(line, at); // an empty match prints nothing; look one character further
                continue;
            }
            if (!(inner.NeedsLineNumbers ? inner.Matched(line.Slice(at, length), lineNumber) : inner.Matched(line.Slice(at, length))))
            {
                return false;
            }
            start = at + length;
        }
        return true;
    }

    public void GroupStart() => inner.GroupStart();

    public void GroupBreak() => inner.GroupBreak();

    public void EndRecord(long selectedLines) => inner.EndRecord(selectedLines);

    public ValueTask FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
}

/// <summary>Wraps each worker's sink of <paramref name="inner"/> with its own matcher.</summary>
public sealed class OnlyMatchingSinkFactory(IGrepSinkFactory inner, IMatcher matcher) : IGrepSinkFactory
{
    /// <inheritdoc/>
    public IGrepSink CreateForWorker() => new OnlyMatchingSink(inner.CreateForWorker(), matcher.CloneForWorker());

    /// <inheritdoc/>
    public bool TakesContext => inner.TakesContext;

    /// <inheritdoc/>
    public void Complete(IReadOnlyList<IGrepSink> workerSinks) =>
        inner.Complete(workerSinks.Select(s => ((OnlyMatchingSink)s).Inner).ToList());
}
