using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace SysopsFast.Push;

/// <summary>A command the agent runs: its output is stored as <c>cmd/&lt;name&gt;</c>.</summary>
public sealed record CommandSpec(string Name, string Run, TimeSpan Timeout)
{
    /// <summary>Seconds a command may run when its configuration says nothing.</summary>
    public const int DefaultTimeoutSeconds = 30;

    /// <summary><see cref="DefaultTimeoutSeconds"/> as a time span.</summary>
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(DefaultTimeoutSeconds);
}

/// <summary>
/// How a command ended. <see cref="Output"/> is null unless it exited by itself (a command that
/// timed out or could not start leaves its last pushed record as it was).
/// </summary>
public sealed record CommandResult(CommandSpec Command, ObjectContent? Output, int? ExitCode, string Stderr, string? Failure)
{
    /// <summary>It ran past its timeout and was killed.</summary>
    public bool TimedOut { get; init; }

    /// <summary>The value of its <c>exit</c> line in the status object.</summary>
    public string ExitText => ExitCode is { } code
        ? code.ToString(CultureInfo.InvariantCulture)
        : TimedOut ? string.Create(CultureInfo.InvariantCulture, $"timeout after {Command.Timeout.TotalSeconds:0.###} s") : $"not run: {Failure}";
}

/// <summary>
/// Runs the agent's commands with <c>/bin/sh -c</c>, a few at a time, each with its timeout. Each
/// runs in a process group of its own (setsid), with a marker in its environment, so a timeout kills
/// the shell and everything it started, including what left the group (<see cref="CommandProcesses"/>).
/// Standard output is read within the size cap (<see cref="ContentReader"/>),
/// standard error's first KiB is kept, standard input is empty.
/// </summary>
public static class CommandRunner
{
    /// <summary>Commands running at once: enough to overlap slow ones, few enough to leave the host its CPUs.</summary>
    public const int DefaultConcurrency = 4;

    /// <summary>What is kept of standard error: enough for the error, not a log.</summary>
    public const int StderrKept = 1024;

    /// <summary>After a kill, how long the pipes may take to close (a process that escaped the kill may hold them).</summary>
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(5);

    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <summary>Every command, at most <paramref name="concurrency"/> at once; results in the order given.</summary>
    public static Task<IReadOnlyList<CommandResult>> RunAllAsync(IReadOnlyList<CommandSpec> commands, long sizeCap, CancellationToken cancellationToken, int concurrency = DefaultConcurrency) =>
        RunAllAsync(commands, sizeCap, r => r, cancellationToken, concurrency);

    /// <summary>
    /// Every command, at most <paramref name="concurrency"/> at once, each result passed to
    /// <paramref name="whenDone"/> before its slot is freed (the push turns it into its object and
    /// its status line there).
    /// </summary>
    public static async Task<IReadOnlyList<T>> RunAllAsync<T>(IReadOnlyList<CommandSpec> commands, long sizeCap, Func<CommandResult, T> whenDone, CancellationToken cancellationToken, int concurrency = DefaultConcurrency)
    {
        ArgumentNullException.ThrowIfNull(whenDone);
        using var gate = new SemaphoreSlim(concurrency);
        return await Task.WhenAll(commands.Select(async c =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                return whenDone(await RunAsync(c, sizeCap, cancellationToken));
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    /// <summary>Runs one command to its end or its timeout; Ctrl-C (<paramref name="cancellationToken"/>) kills it too, and throws.</summary>
    public static async Task<CommandResult> RunAsync(CommandSpec command, long sizeCap, CancellationToken cancellationToken)
    {
        Process process;
        var marker = CommandProcesses.NewMarker();
        try
        {
            _ = CommandProcesses.AdoptOrphans();
            process = Process.Start(StartInfo(command.Run, marker))!;
        }
        catch (Win32Exception e)
        {
            return new CommandResult(command, null, null, "", e.Message);
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = ContentReader.ReadAsync(process.StandardOutput.BaseStream, sizeCap, CancellationToken.None);
            var stderr = ReadHeadAsync(process.StandardError.BaseStream, StderrKept);
            var finished = Task.WhenAll(stdout, stderr, process.WaitForExitAsync(CancellationToken.None));
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (await Task.WhenAny(finished, Task.Delay(command.Timeout, timer.Token)) != finished)
            {
                await KillAsync(process, marker, finished);
                cancellationToken.ThrowIfCancellationRequested();
                return new CommandResult(command, null, null, stderr.IsCompletedSuccessfully ? await stderr : "", null) { TimedOut = true };
            }
            await timer.CancelAsync();
            return new CommandResult(command, await stdout, process.ExitCode, await stderr, null);
        }
    }

    private static ProcessStartInfo StartInfo(string run, string marker)
    {
        var start = new ProcessStartInfo(Setsid ?? "/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { [CommandProcesses.MarkerVariable] = marker },
        };
        if (Setsid is not null)
        {
            start.ArgumentList.Add("/bin/sh");
        }
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(run);
        return start;
    }

    /// <summary>Kills the command and everything it started (<see cref="CommandProcesses"/>; its process tree where there is no /proc), then lets its pipes close.</summary>
    private static async Task KillAsync(Process process, string marker, Task finished)
    {
        if (!CommandProcesses.Kill(process.Id, marker))
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It ended in between.
            }
        }
        try
        {
            await finished.WaitAsync(KillGrace);
        }
        catch (Exception e) when (e is TimeoutException or IOException)
        {
            // A process that escaped (it cleared its environment) keeps a pipe open: what it writes is not waited for.
        }
    }

    /// <summary>
    /// The first <paramref name="keep"/> bytes of a stream as text ("…" after them when there was
    /// more); the rest is read and dropped, so the writer never blocks.
    /// </summary>
    private static async Task<string> ReadHeadAsync(Stream stream, int keep)
    {
        var head = new byte[keep];
        var kept = 0;
        var dropped = false;
        var buffer = new byte[4096];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            var take = Math.Min(n, keep - kept);
            buffer.AsSpan(0, take).CopyTo(head.AsSpan(kept));
            kept += take;
            dropped |= take < n;
        }
        return Encoding.UTF8.GetString(head, 0, kept) + (dropped ? "…" : "");
    }
}
