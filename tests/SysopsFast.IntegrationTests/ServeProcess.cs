using System.Diagnostics;
using System.Text.RegularExpressions;

namespace SysopsFast.IntegrationTests;

/// <summary>
/// The real <c>sysops-fast serve</c> on a free loopback port (port 0: it prints the one it got),
/// stopped by its PID when disposed. The password file, when given, reaches it through its environment.
/// </summary>
internal sealed partial class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServeProcess(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    public Uri Url { get; }

    public static Task<ServeProcess> StartAsync(params string[] args) => StartAsync(new Dictionary<string, string>(), args);

    /// <summary>serve with variables added to its environment.</summary>
    public static async Task<ServeProcess> StartAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "sysops-fast.dll"), "serve", "--listen", "127.0.0.1:0" }.Concat(args))
        {
            start.ArgumentList.Add(a);
        }
        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var seen = new List<string>();
        try
        {
            while (await process.StandardError.ReadLineAsync(deadline.Token) is { } line)
            {
                seen.Add(line);
                if (Serving().Match(line) is { Success: true } m)
                {
                    // The rest of stderr is drained so that the server never blocks on a full pipe.
                    _ = process.StandardError.ReadToEndAsync();
                    return new ServeProcess(process, new Uri(m.Groups[1].Value));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        process.Kill();
        throw new InvalidOperationException("serve did not start: " + string.Join('\n', seen));
    }

    [GeneratedRegex(@"serving (http\S+?)/? ")]
    private static partial Regex Serving();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
