using System.Diagnostics;
using System.Text;

namespace SysopsFast.IntegrationTests;

/// <summary>One run of the real CLI: exit code, output, and the process's peak resident memory.</summary>
internal sealed record CliRun(int Exit, byte[] Stdout, string Stderr, long PeakRssKb, TimeSpan Elapsed)
{
    public string StdoutText => Encoding.UTF8.GetString(Stdout);

    public double PeakRssMb => PeakRssKb / 1024.0;

    /// <summary>For test output: what the run cost.</summary>
    public override string ToString() =>
        $"exit {Exit}, peak RSS {PeakRssMb:F0} MiB, {Elapsed.TotalSeconds:F1} s, stdout {Stdout.Length} bytes, stderr: {Stderr.Trim()}";
}

/// <summary>
/// Runs <c>sysops-fast</c> under GNU time (<c>/usr/bin/time -f %M</c>: the maximum resident set
/// size the kernel saw, in KiB, read when the process is reaped, so no peak between two polls is
/// missed). test.sh installs Debian's <c>time</c> package when it is missing.
/// </summary>
internal static class MeasuredCli
{
    /// <summary>The bound every hostile input must stay under (issue 10: 300 MB).</summary>
    public const long MaxRssKb = 300_000_000L / 1024;

    /// <summary>A run that stays within <see cref="MaxRssKb"/> and prints no stack trace, logged to the test's output.</summary>
    public static async Task<CliRun> RunBoundedAsync(Xunit.Abstractions.ITestOutputHelper output, params string[] args)
    {
        var run = await RunAsync(args);
        output.WriteLine($"{string.Join(' ', args.Select(a => a.Replace("\n", "\\n", StringComparison.Ordinal)))}: {run}");
        Xunit.Assert.True(run.PeakRssKb < MaxRssKb, run.ToString());
        Xunit.Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
        return run;
    }

    public static async Task<CliRun> RunAsync(params string[] args)
    {
        const string time = "/usr/bin/time";
        if (!File.Exists(time))
        {
            throw new InvalidOperationException("GNU time is not installed; run ./test.sh, which installs Debian's time package");
        }
        var rssFile = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo(time);
            foreach (var a in new[] { "-o", rssFile, "-f", "%M", "dotnet", Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll") }.Concat(args))
            {
                start.ArgumentList.Add(a);
            }
            var clock = Stopwatch.StartNew();
            var (exit, stdout, stderr) = await ChildProcess.RunAsync(start, "sysops-fast " + string.Join(' ', args));
            var elapsed = clock.Elapsed;
            // GNU time writes "Command exited with non-zero status N" before the figure when the exit is not 0.
            var rss = (await File.ReadAllLinesAsync(rssFile)).Last(l => l.Length > 0);
            return new CliRun(exit, stdout, stderr, long.Parse(rss, System.Globalization.CultureInfo.InvariantCulture), elapsed);
        }
        finally
        {
            File.Delete(rssFile);
        }
    }
}
