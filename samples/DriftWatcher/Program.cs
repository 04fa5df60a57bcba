// drift-watcher: the key=value settings that differ across a fleet, asked again every few seconds;
// after the first round it prints only what changed. A program built on the SysopsFast package:
//   drift-watcher --server 127.0.0.1:6379 --object sysctl-a [--key-glob 'net.core.*'] [--interval 60] [--rounds N]
using SysopsFast;
using DriftWatcher;
using SysopsFast.Query;

WatchOptions options;
try
{
    options = WatchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"drift-watcher: {e.Message}");
    Console.Error.WriteLine(WatchOptions.Usage);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

// One query object for the whole run: it keeps its connections between rounds. The audit entry
// each round appends on the servers says who asked.
await using var fleet = new FleetQuery(options.Servers.ToArray())
{
    AuditPolicy = AuditPolicy.On with { Description = "drift watcher" },
};
var request = new KeyValueRequest(options.ObjectPattern) { KeyGlob = options.KeyGlob, OnlyDrift = true, SampleHosts = 3 };
var watch = new DriftRounds();
try
{
    for (var round = 1; options.Rounds == 0 || round <= options.Rounds; round++)
    {
        if (round > 1)
        {
            await Task.Delay(options.Interval, stop.Token);
        }
        var drift = await fleet.KeyValuesAsync(request, stop.Token);
        foreach (var line in watch.Next(round, DateTimeOffset.Now, drift))
        {
            Console.WriteLine(line);
        }
    }
    return 0;
}
catch (SysopsFastException e)
{
    // The library's message names no option of ours; its remedy says what to change.
    Console.Error.WriteLine($"drift-watcher: {e.Message}");
    return 1;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    return 130;
}
