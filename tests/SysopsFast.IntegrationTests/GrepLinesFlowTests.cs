using StackExchange.Redis;
using SysopsFast.Grep;
using SysopsFast.Pipeline;
using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.IntegrationTests;

/// <summary>Tests that change the process's thread pool limits run alone.</summary>
[CollectionDefinition(nameof(ThreadPoolLimitCollection), DisableParallelization = true)]
public sealed class ThreadPoolLimitCollection;

/// <summary><see cref="FleetQuery.GrepLinesAsync"/> with a slow consumer, and with one that cancels.</summary>
[Collection(nameof(ThreadPoolLimitCollection))]
public sealed class GrepLinesFlowTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const int Hosts = 40;
    private const int LinesPerHost = 500;

    private static readonly GrepRequest Request = new("lines.txt", "matches");

    private async Task<ServerAddress> FleetAsync()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var db = mux.GetDatabase(1);
        if (!await db.KeyExistsAsync(KeyCatalog.ObjectsKey))
        {
            for (var h = 0; h < Hosts; h++)
            {
                var text = string.Concat(Enumerable.Range(0, LinesPerHost).Select(i => $"line {i} of host {h} matches\n"));
                await QueryFleet.PutAsync(db, $"lines{h:D2}.example.org", "/var/log/lines.txt", System.Text.Encoding.UTF8.GetBytes(text));
            }
        }
        return ServerAddress.Parse($"redis://{redis.Address}/1");
    }

    /// <summary>
    /// The consumer stops reading after one line. The query may hold a bounded number of lines, and
    /// then its workers must wait without holding a pool thread: with the pool capped at the number
    /// of workers, other work still runs. The cap is process-wide, hence the collection of its own.
    /// </summary>
    [Fact]
    public async Task A_paused_consumer_holds_no_pool_thread()
    {
        var workers = Math.Max(Environment.ProcessorCount, 4);
        var progress = new QueryProgress();
        await using var query = new FleetQuery([await FleetAsync()], new ExtractOptions { Workers = workers, TargetBatchBytes = 1024, Progress = progress });
        var lines = query.GrepLinesAsync(Request).GetAsyncEnumerator();
        Assert.True(await lines.MoveNextAsync());
        // Paused: the channel is full (it and the one line read took the lines of at least this
        // many records, the last of them in part), and each worker has decoded at most one batch it
        // cannot hand on. How many workers had a batch in hand varies (11 and 12 records were seen),
        // so the count is waited on until it stays still; until then the probe below could run on a
        // thread a worker has not yet reached its wait on.
        var full = ((FleetQuery.LineChannelCapacity + 1) / LinesPerHost) + 1;
        Assert.True(await WaitUntilAsync(() => progress.RecordsDone >= full, TimeSpan.FromSeconds(60)), $"the query decoded {progress.RecordsDone} records, not the {full} that fill it");
        Assert.True(await WaitUntilStillAsync(() => progress.RecordsDone, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60)), "the paused query kept decoding");
        Assert.InRange(progress.RecordsDone, full, full - 1 + workers);

        ThreadPool.GetMaxThreads(out var maxWorkers, out var maxIo);
        bool ran;
        Assert.True(ThreadPool.SetMaxThreads(workers, maxIo));
        try
        {
            // A pool with a free thread runs it at once; a long wait only guards against a hang.
            ran = PoolRunsWorkWithin(TimeSpan.FromSeconds(30));
        }
        finally
        {
            ThreadPool.SetMaxThreads(maxWorkers, maxIo);
        }
        Assert.True(ran, "the paused query's workers hold every pool thread");

        var count = 1;
        while (await lines.MoveNextAsync())
        {
            count++;
        }
        await lines.DisposeAsync();
        Assert.Equal(Hosts * LinesPerHost, count);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; false after <paramref name="timeout"/> (a hang, not a slow machine).</summary>
    private static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }
            await Task.Delay(10);
        }
        return true;
    }

    /// <summary>Polls <paramref name="value"/> until it has not changed for <paramref name="still"/>; false after <paramref name="timeout"/>.</summary>
    private static async Task<bool> WaitUntilStillAsync(Func<long> value, TimeSpan still, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var last = value();
        var since = clock.Elapsed;
        while (clock.Elapsed - since < still)
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }
            await Task.Delay(10);
            var now = value();
            if (now != last)
            {
                (last, since) = (now, clock.Elapsed);
            }
        }
        return true;
    }

    /// <summary>Whether a work item queued to the pool runs within <paramref name="timeout"/>, asked from a thread of its own.</summary>
    private static bool PoolRunsWorkWithin(TimeSpan timeout)
    {
        var ran = false;
        var probe = new Thread(() => ran = Task.Run(() => { }).Wait(timeout));
        probe.Start();
        probe.Join();
        return ran;
    }

    /// <summary>A cancelled enumeration ends in OperationCanceledException, not as if the fleet had no more lines.</summary>
    [Fact]
    public async Task Cancelling_the_enumeration_throws_rather_than_ending_short()
    {
        await using var query = new FleetQuery([await FleetAsync()], new ExtractOptions { TargetBatchBytes = 1024 });
        using var cancel = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in query.GrepLinesAsync(Request, cancel.Token))
            {
                if (++seen == 1)
                {
                    await cancel.CancelAsync();
                }
            }
        });
        Assert.True(seen < Hosts * LinesPerHost);
    }
}
