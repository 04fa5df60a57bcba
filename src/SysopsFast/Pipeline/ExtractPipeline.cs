using System.Collections.Concurrent;
using System.Diagnostics;

namespace SysopsFast.Pipeline;

/// <summary>
/// Wires the stages: a source (discovery + fetch) writes batches into a bounded channel (Wait mode,
/// so a slow consumer slows the producer instead of growing memory); one decode worker per core
/// reads it. A failing stage completes the channel with its exception and cancels the others, so
/// the first error is the one the caller sees.
/// </summary>
public static class ExtractPipeline
{
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
            workers[i] = new RecordDecodeWorker(perWorker[i], corrupt, source.Dictionaries, source.Mode) { Progress = options.Progress };
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

        Exception? failure = null;
        try
        {
            await producer;
        }
        catch (OperationCanceledException) when (stages.IsCancellationRequested)
        {
            // Cancelled by the caller or because a worker stopped: not an error of the source.
        }
        catch (Exception e)
        {
            failure = e;
            await stages.CancelAsync();
        }
        finally
        {
            channel.Writer.TryComplete();
        }

        try
        {
            await Task.WhenAll(consumers);
        }
        catch (Exception e) when (failure is null && e is not OperationCanceledException)
        {
            failure = e;
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            // A batch left in the channel after a failure still holds a leased buffer.
            while (channel.Reader.TryRead(out var leftover))
            {
                leftover.Dispose();
            }
            foreach (var w in workers)
            {
                w.Dispose();
            }
        }

        processors.Complete(perWorker);
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }

        var stoppedEarly = workers.Any(w => w.Stopped);
        return new ExtractSummary
        {
            Servers = source.Servers,
            KeysDiscovered = statistics.KeysDiscovered,
            RecordsRead = workers.Sum(w => w.Records),
            RecordsMissing = workers.Sum(w => w.Missing),
            BytesFetched = statistics.BytesFetched,
            RawBytes = workers.Sum(w => w.RawBytes),
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

    /// <summary>Per server: what the source counted, and what the workers decoded from its batches.</summary>
    private static IReadOnlyList<ServerCost> Costs(SourceStatistics statistics, RecordDecodeWorker[] workers) =>
        statistics.Servers
            .Select(s => new ServerCost(s.Key, Interlocked.Read(ref s.Value.Keys), Interlocked.Read(ref s.Value.Bytes),
                workers.Sum(w => w.Tallies.TryGetValue(s.Key, out var t) ? t.Decoded : 0), s.Value.Last))
            .OrderBy(c => c.Server, StringComparer.Ordinal)
            .ToArray();
}
