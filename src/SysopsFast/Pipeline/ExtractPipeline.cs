using System.Collections.Concurrent;
using System.Diagnostics;

namespace SysopsFast.Pipeline;

/// <summary>
/// Wires the stages: a source (discovery + fetch) writes batches into a bounded channel (Wait mode,
/// so a slow consumer slows the producer instead of growing memory); one decode worker per core
/// reads it. A failing stage cancels the others (workers still drain the channel, returning leased
/// buffers). When every stage has ended, whatever ended it, the processors are completed, once;
/// then the failure, if any, is thrown: the source's, else a worker's (cancellation is none).
/// </summary>
public static class ExtractPipeline
{
    /// <summary>Runs <paramref name="source"/>'s batches through one worker per core, each with a processor of <paramref name="processors"/>, and says what was read.</summary>
    public static async Task<ExtractSummary> RunAsync(
        IRecordBatchSource source,
        IRecordProcessorFactory processors,
        ExtractOptions options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(processors);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var statistics = new SourceStatistics(options.Progress);
        var corrupt = new ConcurrentQueue<CorruptRecord>();
        var channel = Channel.CreateBounded<IRecordBatch>(new BoundedChannelOptions(options.BatchQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });

        using var stages = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workerCount = Math.Max(1, options.Workers);
        var workers = new RecordDecodeWorker[workerCount];
        var perWorker = new IRecordProcessor[workerCount];
        for (var i = 0; i < workerCount; i++)
        {
            perWorker[i] = processors.CreateForWorker();
            workers[i] = new RecordDecodeWorker(perWorker[i], corrupt, source.Dictionaries, source.Mode, source.CheckMd5) { Progress = options.Progress };
        }

        var producer = Task.Run(async () =>
        {
            try
            {
                await source.ProduceAsync(channel.Writer, statistics, stages.Token);
                statistics.Milestone("fetched");
                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
                await stages.CancelAsync();
                throw;
            }
        }, CancellationToken.None);

        var consumers = workers.Select(w => Task.Run(async () =>
        {
            try
            {
                await w.RunAsync(channel.Reader, stages);
            }
            catch
            {
                await stages.CancelAsync();
                throw;
            }
        }, CancellationToken.None)).ToArray();

        // Every stage ends, whatever happens: each one that fails cancels the others. Their
        // exceptions are read below, in one place.
        await Task.WhenAll([producer, .. consumers]).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        // A batch left in the channel after a failure still holds a leased buffer.
        while (channel.Reader.TryRead(out var leftover))
        {
            leftover.Dispose();
        }
        foreach (var w in workers)
        {
            w.Dispose();
        }

        processors.Complete(perWorker);
        var stoppedEarly = workers.Any(w => w.Stopped);
        if (Failure(producer, consumers, cancelled: cancellationToken.IsCancellationRequested || stoppedEarly) is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }

        return new ExtractSummary
        {
            Servers = source.Servers,
            KeysDiscovered = statistics.KeysDiscovered,
            RecordsRead = workers.Sum(w => w.Records),
            RecordsMissing = workers.Sum(w => w.Missing),
            BytesFetched = statistics.BytesFetched,
            RawBytes = workers.Sum(w => w.RawBytes),
            LineDeltaRecordsRead = workers.Sum(w => w.DeltaRecords),
            LineDeltaBytesRead = workers.Sum(w => w.DeltaBytes),
            Corrupt = corrupt.ToArray(),
            CoresAnswered = statistics.Answered,
            CoresMissing = statistics.Missing,
            Warnings = statistics.Warnings,
            ServersScanned = statistics.ServersScanned,
            KeysDeduplicated = statistics.KeysDeduplicated,
            Elapsed = clock.Elapsed,
            Milestones = statistics.Milestones,
            Partial = cancellationToken.IsCancellationRequested && !stoppedEarly,
            StoppedEarly = stoppedEarly,
            Costs = Costs(statistics, workers),
        };
    }

    /// <summary>
    /// What to throw: the source's exception, else a worker's (a worker reading a channel the source
    /// failed rethrows the source's own). A stage cancelled because another failed is not the
    /// failure; nor is cancellation when the caller cancelled or a sink had what it wanted (the
    /// summary says partial or stopped early), and otherwise it is one.
    /// </summary>
    private static Exception? Failure(Task producer, Task[] consumers, bool cancelled)
    {
        var errors = consumers.Prepend(producer)
            .Select(t => t.IsCanceled ? new TaskCanceledException(t) : t.Exception?.InnerException)
            .OfType<Exception>()
            .ToList();
        return errors.FirstOrDefault(e => e is not OperationCanceledException) ?? (cancelled ? null : errors.FirstOrDefault());
    }

    /// <summary>Per server: what the source counted, and what the workers decoded from its batches.</summary>
    private static IReadOnlyList<ServerCost> Costs(SourceStatistics statistics, RecordDecodeWorker[] workers) =>
        statistics.Servers
            .Select(s => new ServerCost(s.Key, Interlocked.Read(ref s.Value.Keys), Interlocked.Read(ref s.Value.Bytes),
                workers.Sum(w => w.Tallies.TryGetValue(s.Key, out var t) ? t.Decoded : 0), s.Value.Last))
            .OrderBy(c => c.Server, StringComparer.Ordinal)
            .ToArray();
}
