using System.Diagnostics;

namespace SysopsFast.IntegrationTests;

/// <summary>Runs a program to its end: exit code, standard output as bytes, standard error as text.</summary>
internal static class ChildProcess
{
    /// <summary>One still running after 60 s is killed (with its children) and the test fails with <paramref name="what"/>.</summary>
    public static async Task<(int Exit, byte[] Stdout, string Stderr)> RunAsync(ProcessStartInfo start, string what)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var p = Process.Start(start)!;
        using var stdout = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"no answer within 60 s from: {what}");
        }
        await copy;
        return (p.ExitCode, stdout.ToArray(), await stderr);
    }
}
