namespace SysopsFast.Push;

/// <summary>
/// A random wait before a push, so that 24,000 hosts started by cron at the same minute do not all
/// write in the same second: uniform between zero and the jitter given.
/// </summary>
public static class PushJitter
{
    /// <summary>The wait: uniform in [0, <paramref name="jitter"/>), zero when the jitter is.</summary>
    public static TimeSpan Draw(TimeSpan jitter, Random random) =>
        jitter <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks((long)(random.NextDouble() * jitter.Ticks));

    /// <summary>The longest single Task.Delay (it takes up to about 49 days).</summary>
    private static readonly TimeSpan Step = TimeSpan.FromDays(1);

    /// <summary>Waits a drawn delay; cancellation (Ctrl-C) ends the wait at once, with <see cref="OperationCanceledException"/>.</summary>
    public static async Task DelayAsync(TimeSpan jitter, Random random, CancellationToken cancellationToken)
    {
        for (var left = Draw(jitter, random); left > TimeSpan.Zero; left -= Step)
        {
            await Task.Delay(left < Step ? left : Step, cancellationToken);
        }
    }
}
