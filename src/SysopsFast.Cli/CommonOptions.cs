using System.CommandLine;
using SysopsFast.Redis;

namespace SysopsFast.Cli;

/// <summary>Options shared by several commands, defined once.</summary>
internal static class CommonOptions
{
    public static Option<string[]> Servers(string description = "Redis server to ask, redis://host:port[/db] or host:port (repeatable)") => new("--server", "-s")
    {
        Description = description,
        AllowMultipleArgumentsPerToken = false,
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>--codec of import, migrate and fleet generate.</summary>
    public static ChoiceOption<Format.PayloadCodec> Codec(string description = "Payload codec (zstd-dictionary: one dictionary per object held by 8 or more hosts, LZ4 for the others; line-delta: as zstd-dictionary, plus a base per object where storing each host's differences from it is smaller)") =>
        new("--codec", description, Format.PayloadCodec.ZstdDictionary);

    /// <summary>push's and import's --history: versions kept per object (docs/FORMAT.md, "History").</summary>
    public static Option<string?> History() => new("--history") { HelpName = "N", Description = "Versions kept of each object, the current one included, in a history list beside it (1 = no history; default 8)" };

    /// <summary>push's and import's --history-age.</summary>
    public static Option<string?> HistoryAge() => new("--history-age") { Description = "Keep a replaced version while it was current within this age (14d, 36h; default 14d)" };

    /// <summary>--cost: every query command's, worded once.</summary>
    /// <summary>--as-of TIME: the answer the fleet would have given then (search, list-files, grep, kv, compare-all).</summary>
    public static Option<string?> AsOf() => new("--as-of") { HelpName = "TIME", Description = "Answer as the fleet stood at TIME: 2026-12-01T10:00Z, 2026-12-01 (UTC) or an age (30s, 45m, 3h, 2d, 1w); keys with no version kept from then are left out (said on stderr)" };

    /// <summary>A TIME value (<see cref="Config.TimeParser"/>), ages counted back from now; null stays null.</summary>
    public static DateTimeOffset? ParseTime(string? text) => text is null ? null : Config.TimeParser.Parse(text, DateTimeOffset.UtcNow);

    public static Option<bool> Cost() => new Option<bool>("--cost") { Description = "Print what the query cost (keys, bytes, seconds per server) on stderr, and publish it on each server's 'sysops-api' channel" };

    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Show details (stack traces) with errors",
        Recursive = true,
    };

    /// <summary>
    /// Standard output, buffered; on a terminal, control characters of what is printed (snapshot
    /// contents and key names may hold escape sequences) are shown escaped. In pipes and files the
    /// bytes pass unchanged, as grep passes them.
    /// </summary>
    public static Stream OpenStandardOutput()
    {
        if (Serve.RequestConsole.Current is { } request)
        {
            return new BufferedStream(request.Output, 64 * 1024);
        }
        var raw = new ProgressStoppingStream(RawStandardOutput());
        return new BufferedStream(Console.IsOutputRedirected ? raw : new Output.TerminalSafeStream(raw), 64 * 1024);
    }

    /// <summary>
    /// Standard output, buffered, the bytes as written, for printers that escape what they print
    /// themselves (with <paramref name="style"/>, so that their colours are not escaped).
    /// </summary>
    public static Stream OpenStyledStandardOutput(string? colorWhen, out Output.TextStyle style)
    {
        if (Serve.RequestConsole.Current is { } request)
        {
            style = ColorOption.Style("never", terminal: false);
            return new BufferedStream(request.Output, 64 * 1024);
        }
        style = ColorOption.Style(colorWhen, terminal: !Console.IsOutputRedirected);
        return new BufferedStream(new ProgressStoppingStream(RawStandardOutput()), 64 * 1024);
    }

    /// <summary>Descriptor 1 through write(2) (<see cref="Output.StandardOutputStream"/>: EPIPE reported, <see cref="CliRunner.IsBrokenPipe"/>); the console's stream when there is none.</summary>
    private static Stream RawStandardOutput() => Descriptor(1) ?? Console.OpenStandardOutput();

    /// <summary>
    /// A descriptor written with write(2), never the console's stream: on a terminal the first
    /// write through that initialises the console, which switches the keypad mode (ESC[?1h ESC=)
    /// of a terminal whose keyboard we never read. Null when the descriptor is closed.
    /// </summary>
    private static Output.StandardOutputStream? Descriptor(int descriptor)
    {
        try
        {
            // Opening a stream over it fails when the descriptor is closed (the handle is not disposed).
            using var probe = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(descriptor, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            return new Output.StandardOutputStream(descriptor);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Standard error for messages: it erases a progress display before writing, and on a terminal
    /// it escapes control characters (messages name keys and servers, which a host chooses).
    /// </summary>
    public static TextWriter OpenStandardError()
    {
        Stream stream = new ProgressStoppingStream(RawStandardError());
        stream = Console.IsErrorRedirected ? stream : new Output.TerminalSafeStream(stream);
        return new StreamWriter(stream, new System.Text.UTF8Encoding(false)) { AutoFlush = true };
    }

    /// <summary>Descriptor 2 through write(2); the console's stream when there is none.</summary>
    public static Stream RawStandardError() => Descriptor(2) ?? Console.OpenStandardError();

    /// <summary>
    /// Console.Out and Console.Error (which the parser's help and version, and some commands, write
    /// to) over descriptors 1 and 2 written directly, so that nothing initialises the console.
    /// </summary>
    public static void UseDescriptors()
    {
        Console.SetOut(new StreamWriter(RawStandardOutput(), new System.Text.UTF8Encoding(false)) { AutoFlush = true });
        Console.SetError(OpenStandardError());
    }

    /// <summary>Durations like 6h, 30m, 90s or plain seconds; 0 means never expire.</summary>
    public static TimeSpan? ParseTtl(string text) => Config.DurationParser.ParseTtl(text);

    /// <summary>A wait (push's <c>--timeout</c>): a duration as for <see cref="ParseTtl"/>, plain numbers in seconds, above 0.</summary>
    public static TimeSpan ParseTimeout(string text) => Config.DurationParser.ParseTimeout(text);
}
