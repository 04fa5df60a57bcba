using SysopsFast;
using SysopsFast.Storm;

// bench/macro/push-storm.sh and bench/macro/soak.sh run this. Usage:
//   [storm] --hosts N --concurrency C --rounds R --server URL [--query-every MS] [--changed F] [--no-fill | --after-round N]
//           [--history N] [--kv-trailer] [--dictionaries [--train-after ROUND]] [--idle-queries N] [--connections N] [--seed S] [--ttl SECONDS] [--timeout SECONDS] [--out FILE] [--command TEXT]
//   soak --hosts N --server URL [--seed S] [--duration SECONDS] [--sample-every SECONDS] [--out FILE] [--command TEXT]
// Exit 0: every check passed; 1: a check failed (the report says which); 2: a usage or server error; 130: Ctrl-C.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
var soak = args is ["soak", ..];
var words = args.Skip(soak || args is ["storm", ..] ? 1 : 0).ToArray();
try
{
    var reader = new OptionReader(words, new HashSet<string>(StringComparer.Ordinal) { "--no-fill", "--dictionaries", "--kv-trailer" });
    var output = reader.Text("--out");
    var command = reader.Text("--command") ?? "SysopsFast.PushStorm " + string.Join(' ', args);
    string report;
    bool passed;
    if (soak)
    {
        var options = SoakOptions.Read(reader);
        reader.Finish();
        var result = await HeadlineSoak.RunAsync(options, Console.Error, cancel.Token);
        (report, passed) = (SoakReport.Write(result, command), result.WrongAnswers == 0);
    }
    else
    {
        var options = StormOptions.Read(reader);
        reader.Finish();
        var result = await PushStorm.RunAsync(options, Console.Error, cancel.Token);
        (report, passed) = (StormReport.Write(result, command), result.Passed);
    }
    if (output is not null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, report);
    }
    Console.Write(report);
    return passed ? 0 : 1;
}
catch (SysopsFastException e)
{
    await Console.Error.WriteLineAsync("push-storm: " + e.Message);
    return 2;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("push-storm: interrupted; no report");
    return 130;
}
