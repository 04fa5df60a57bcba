using System.Diagnostics;
using System.Globalization;
using System.Text;
using SysopsFast.Pipeline;

namespace SysopsFast.Cli;

/// <summary>
/// The running query's progress on standard error, only when standard error is a terminal: keys
/// found, records done, MB fetched, rate and time left, redrawn in place every 100 ms once the
/// query has run for 300 ms (a quick answer shows none). It is erased for good before anything
/// else is written to standard output or standard error (<see cref="ProgressStoppingStream"/>), so
/// it never mixes with the answer, and when the query ends.
/// </summary>
internal sealed class ProgressDisplay : IAsyncDisposable
{
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static ProgressDisplay? _active;

    private readonly QueryProgress _counters = new();
    private readonly Stream? _stderr;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop = Task.CompletedTask;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private bool _stopped;
    private bool _drawn;

    private ProgressDisplay(bool terminal)
    {
        if (!terminal)
        {
            _stopped = true;
            return;
        }
        _stderr = CommonOptions.RawStandardError();
        _active = this;
        _loop = DrawLoopAsync();
    }

    /// <summary>Counters to give the query (<see cref="ExtractOptions.Progress"/>).</summary>
    public QueryProgress Counters => _counters;

    /// <summary>A display that draws when standard error is a terminal and does nothing otherwise.</summary>
    public static ProgressDisplay Start() => new(terminal: !Console.IsErrorRedirected && Serve.RequestConsole.Current is null);

    /// <summary>Erases the active display, if any, for good: something else is about to be written.</summary>
    public static void StopActive() => Volatile.Read(ref _active)?.Stop();

    private async Task DrawLoopAsync()
    {
        try
        {
            await Task.Delay(Delay, _stop.Token);
            using var timer = new PeriodicTimer(Interval);
            do
            {
                Draw();
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Draw()
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }
            Write("\r" + Line(_counters, _clock.Elapsed, Width()) + "\e[K");
            _drawn = true;
        }
    }

    /// <summary>One line: "12,345 keys · 10,000 records · 27.1 MB · 80,000 records/s · 0.1 s left".</summary>
    internal static string Line(QueryProgress counters, TimeSpan elapsed, int width)
    {
        var keys = counters.KeysFound;
        var records = counters.RecordsDone;
        var rate = elapsed.TotalSeconds > 0 ? records / elapsed.TotalSeconds : 0;
        var text = new StringBuilder("sysops-fast: ");
        text.Append(CultureInfo.InvariantCulture, $"{keys:N0} keys · {records:N0} records · {counters.BytesFetched / 1e6:F1} MB · {rate:N0} records/s");
        if (rate > 0 && keys > records)
        {
            text.Append(CultureInfo.InvariantCulture, $" · {(keys - records) / rate:F1} s left");
        }
        return text.Length < width ? text.ToString() : text.ToString(0, Math.Max(0, width - 1));
    }

    /// <summary>The terminal's width, asked of the kernel (<see cref="Output.TerminalSize"/>: Console.WindowWidth would switch its keypad mode).</summary>
    private static int Width() => Output.TerminalSize.Columns(2) ?? 80;

    private void Stop()
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }
            _stopped = true;
            _stop.Cancel();
            if (_drawn)
            {
                Write("\r\e[K");
            }
        }
    }

    private void Write(string text)
    {
        try
        {
            _stderr!.Write(Encoding.UTF8.GetBytes(text));
            _stderr.Flush();
        }
        catch (IOException)
        {
            _stopped = true; // the terminal went away: the answer matters, not the progress
        }
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        await _loop;
        Interlocked.CompareExchange(ref _active, null, this);
        _stop.Dispose();
    }
}

/// <summary>Standard output or error: erases the progress display before the first byte of anything else.</summary>
internal sealed class ProgressStoppingStream(Stream inner) : Output.WriteFilterStream(inner)
{
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ProgressDisplay.StopActive();
        Inner.Write(buffer);
    }
}
