using System.Text;

namespace SysopsFast.Grep;

/// <summary>One selected line and the host it came from, for <see cref="FleetQuery.GrepLinesAsync"/>.</summary>
public readonly record struct GrepLine(string Host, string Line);

/// <summary>
/// Turns selected lines into <see cref="GrepLine"/> values on a bounded channel, so a caller can
/// consume a query as an <see cref="IAsyncEnumerable{T}"/>. Convenient, but it allocates two strings
/// per line: the sinks are the fast path. A worker's sink keeps the lines of the batch being
/// searched and hands them over after the batch (<see cref="IGrepSink.FlushAsync"/>), waiting for
/// room without holding a thread: a slow consumer slows the query, and memory holds the channel's
/// lines plus one batch's per worker.
/// </summary>
internal sealed class ChannelSinkFactory(ChannelWriter<GrepLine> writer) : IGrepSinkFactory
{
    public IGrepSink CreateForWorker() => new Sink(writer);

    public void Complete(IReadOnlyList<IGrepSink> workerSinks) { }

    private sealed class Sink(ChannelWriter<GrepLine> writer) : IGrepSink
    {
        private readonly List<GrepLine> _pending = [];
        private string _host = "";

        public void BeginRecord(ReadOnlySpan<byte> key) => _host = Encoding.UTF8.GetString(ObjectKey.HostOf(key));

        public bool Matched(ReadOnlySpan<byte> line)
        {
            _pending.Add(new GrepLine(_host, Encoding.UTF8.GetString(line)));
            return true;
        }

        public void EndRecord(long selectedLines) { }

        public async ValueTask FlushAsync(CancellationToken cancellationToken)
        {
            foreach (var line in _pending)
            {
                await writer.WriteAsync(line, cancellationToken);
            }
            _pending.Clear();
        }
    }
}
