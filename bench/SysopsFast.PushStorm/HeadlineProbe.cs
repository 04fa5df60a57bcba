using System.Diagnostics;
using System.Globalization;

namespace SysopsFast.Storm;

/// <summary>One headline query: how long it took, what it counted, and what was wrong with its answer.</summary>
internal sealed record ProbeSample(double Milliseconds, long Records, string? Problem);

/// <summary>
/// Runs the headline query through one long-lived <see cref="FleetQuery"/> (as an embedding tool
/// would) and judges every answer. While a storm runs, answers must also never shrink: a record
/// once seen stays (pushes replace records, they never remove one).
/// </summary>
internal sealed class HeadlineProbe(FleetQuery query, HeadlineAnswerCheck check)
{
    /// <summary><paramref name="count"/> queries one after the other.</summary>
    public async Task<IReadOnlyList<ProbeSample>> MeasureAsync(int count, CancellationToken cancellationToken)
    {
        var samples = new List<ProbeSample>();
        for (var i = 0; i < count; i++)
        {
            samples.Add(await OnceAsync(cancellationToken));
        }
        return samples;
    }

    /// <summary>
    /// A query every <paramref name="every"/> (right after the last if it took longer) until
    /// <paramref name="stop"/>; a query running then is finished, not cut short.
    /// </summary>
    public async Task<IReadOnlyList<ProbeSample>> RunUntilAsync(TimeSpan every, CancellationToken stop)
    {
        var samples = new List<ProbeSample>();
        long seen = 0;
        while (!stop.IsCancellationRequested)
        {
            var clock = Stopwatch.StartNew();
            var sample = await OnceAsync(CancellationToken.None);
            if (sample.Problem is null && sample.Records < seen)
            {
                sample = sample with { Problem = string.Create(CultureInfo.InvariantCulture, $"the answer shrank from {seen} to {sample.Records} records") };
            }
            seen = Math.Max(seen, sample.Records);
            samples.Add(sample);
            try
            {
                await Task.Delay(Max(every - clock.Elapsed, TimeSpan.Zero), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return samples;
    }

    private async Task<ProbeSample> OnceAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var (counts, result) = await query.GrepUniqAsync(HeadlineAnswerCheck.Request, cancellationToken);
            return new ProbeSample(clock.Elapsed.TotalMilliseconds, HeadlineAnswerCheck.Records(counts), check.Judge(counts, result));
        }
        catch (SysopsFastException e)
        {
            return new ProbeSample(clock.Elapsed.TotalMilliseconds, 0, e.Message);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
