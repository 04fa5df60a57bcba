using System.Collections.Concurrent;

namespace SysopsFast.Query;

/// <summary>
/// Audit writes under way (<see cref="AuditRecorder"/>), shared by a query and the queries narrowed
/// from it: an answer returns before its entry is written, and the query waits for the writes before
/// its connections close.
/// </summary>
internal sealed class AuditWrites
{
    private readonly ConcurrentDictionary<Task, byte> _running = new();

    /// <summary>Tracks <paramref name="write"/> until it ends (it must not throw).</summary>
    public void Add(Task write)
    {
        _running.TryAdd(write, 0);
        _ = write.ContinueWith(static (done, running) => ((ConcurrentDictionary<Task, byte>)running!).TryRemove(done, out _),
            _running, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Ends when every write started so far has ended.</summary>
    public Task WhenAllAsync() => Task.WhenAll(_running.Keys);
}
