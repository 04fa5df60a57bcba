using System.Collections.Concurrent;
using System.Text;
using SysopsFast.Format;
using SysopsFast.Pipeline;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>Keeps every record read, and holds the query after its first batch until released.</summary>
internal sealed class HoldingReader : IRecordProcessorFactory, IRecordProcessor
{
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentDictionary<string, string> Records { get; } = new();

    public Task Held => _held.Task;

    public void Release() => _released.TrySetResult();

    /// <summary>
    /// Runs <paramref name="query"/> over the headline object, held after its first batch; then
    /// <paramref name="lose"/> (a node stopped or killed) and the release: the query's task, the
    /// reader, and a clock started at the release.
    /// </summary>
    public static async Task<(Task<ExtractSummary> Running, HoldingReader Reader, System.Diagnostics.Stopwatch SinceRelease)> LoseMidQueryAsync(FleetQuery query, Action lose)
    {
        var reader = new HoldingReader();
        var running = query.RunAsync(Fleet.SyntheticFleet.HeadlineObject, reader);
        await reader.Held.WaitAsync(TimeSpan.FromSeconds(30));
        lose();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        reader.Release();
        return (running, reader, clock);
    }

    public IRecordProcessor CreateForWorker() => this;

    public void Complete(IReadOnlyList<IRecordProcessor> processors) => _held.TrySetResult();

    public bool Process(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content)
    {
        // A record read twice would be a wrong answer: the test sees it as a key already kept.
        Assert.True(Records.TryAdd(Encoding.UTF8.GetString(key), Encoding.UTF8.GetString(content)), "a record was read twice");
        return true;
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        _held.TrySetResult();
        await _released.Task.WaitAsync(cancellationToken);
    }
}
