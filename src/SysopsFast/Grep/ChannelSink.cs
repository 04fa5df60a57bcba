using System.Text;

namespace SysopsFast.Grep;

/// <summary>One selected line and the host it came from, for <see cref="FleetQuery.GrepLinesAsync"/>.</summary>
public readonly record struct GrepLine(string Host, string Line);

/// <summary>
/// Turns selected lines into <see cref="GrepLine"/> values on a bounded channel, so a caller can
/// consume a query as an <see cref="IAsyncEnumerable{T}"/>. Convenient, but it allocates two strings
/// per line: the sinks are the fast path.
/// </summary>
internal sealed class ChannelSinkFactory : IGrepSinkFactory
{
    private readonly ChannelWriter<GrepLine> _writer;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationToken _stop;

    /// <param name="writer">An unbounded channel: the bound is <paramref name="slots"/>, released by the consumer per line read.</param>
    public ChannelSinkFactory(ChannelWriter<GrepLine> writer, SemaphoreSlim slots, CancellationToken stop)
    {
        _writer = writer;
        _slots = slots;
        _stop = stop;
    }

    public IGrepSink CreateForWorker() => new Sink(this);

    public void Complete(IReadOnlyList<IGrepSink> workerSinks) { }

    private sealed class Sink(ChannelSinkFactory owner) : IGrepSink
    {
        private string _host = "";

        public void BeginRecord(ReadOnlySpan<byte> key) => _host = Encoding.UTF8.GetString(ObjectKey.HostOf(key));

        public bool Matched(ReadOnlySpan<byte> line)
        {
            try
            {
                // Workers are synchronous; no free slot means the consumer is slower: block this worker.
                owner._slots.Wait(owner._stop);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            return owner._writer.TryWrite(new GrepLine(_host, Encoding.UTF8.GetString(line)));
        }

        public void EndRecord(long selectedLines) { }
    }
}
