namespace SysopsFast.Push;

/// <summary>
/// A random wait before a push, so that 24,000 hosts started by cron at the same minute do not all
/// write in the same second: uniform between zero and the jitter given.
/// </summary>
public static class PushJitter
{
    public static TimeSpan Draw(TimeSpan jitter, Random random) =>
        jitter <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks((long)(random.NextDouble() * jitter.Ticks));

    /// <summary>Waits a drawn delay; cancellation (Ctrl-C) ends the wait at once, with <see cref="OperationCanceledException"/>.</summary>
    public static Task DelayAsync(TimeSpan jitter, Random random, CancellationToken cancellationToken)
    {
        var delay = Draw(jitter, random);
        return delay == TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, cancellationToken);
    }
}
