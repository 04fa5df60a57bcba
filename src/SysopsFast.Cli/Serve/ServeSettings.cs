using System.Net;

namespace SysopsFast.Cli.Serve;

/// <summary>How serve was started: where it listens, who may ask, how much it runs at once.</summary>
internal sealed record ServeSettings
{
    public required IPEndPoint Listen { get; init; }

    /// <summary>The CLI's command tree, built once: every request is parsed with it (read only; a command's state is per async flow).</summary>
    public required System.CommandLine.RootCommand Root { get; init; }

    /// <summary>Whether requests must carry HTTP Basic credentials (they become the Redis ACL user of their connections).</summary>
    public required bool Basic { get; init; }

    public required int MaxQueries { get; init; }

    public required TimeSpan RequestTimeout { get; init; }

    /// <summary>serve's own targeting options, added to every request's command line.</summary>
    public required IReadOnlyList<string> TargetingWords { get; init; }

    /// <summary>HTTPS certificate and key (PEM), or null: plain HTTP.</summary>
    public (string Certificate, string? Key)? Https { get; init; }
}
