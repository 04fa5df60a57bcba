namespace SysopsFast.Cli.Serve;

/// <summary>Queries running (the --max-queries limit) and what they did, for /metrics.</summary>
internal sealed class ServeMetrics(int maxQueries)
{
    private int _running;

    /// <summary>Counts a query in, or false when <c>--max-queries</c> already run.</summary>
    public bool TryStart()
    {
        if (Interlocked.Increment(ref _running) > maxQueries)
        {
            Interlocked.Decrement(ref _running);
            return false;
        }
        return true;
    }

    public void Finished() => Interlocked.Decrement(ref _running);

    public void Record(string command, string outcome, TimeSpan elapsed, RequestConsole console)
    {
        _ = (command, outcome, elapsed, console);
    }
}
