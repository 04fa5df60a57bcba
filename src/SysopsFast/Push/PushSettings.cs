using SysopsFast.Config;
using SysopsFast.Redis;
using SysopsFast.Topology;

namespace SysopsFast.Push;

/// <summary>
/// What a user asked a push to do, as given (text, null where not given): the command line's
/// options, which override the agent's configuration file, which overrides the defaults.
/// </summary>
public sealed record PushRequest
{
    /// <summary>The agent configuration file; null for <see cref="AgentConfigFile.DefaultPath"/> when it exists, empty for none.</summary>
    public string? ConfigFile { get; init; }
    /// <summary>Servers to push to (<c>host:port</c> or URLs).</summary>
    public IReadOnlyList<string> Servers { get; init; } = [];
    /// <summary>A topology file, instead of servers: the local core's servers.</summary>
    public string? TopologyFile { get; init; }
    /// <summary>The host name the objects are stored under; default: this machine's.</summary>
    public string? Hostname { get; init; }
    /// <summary>The outgoing directory whose files are pushed.</summary>
    public string? Directory { get; init; }
    /// <summary>Expiry of the records (<c>6h</c>, <c>0</c> for none).</summary>
    public string? Ttl { get; init; }
    /// <summary>How long each server may take.</summary>
    public string? Timeout { get; init; }
    /// <summary>Objects over this size are stored without their contents (<c>10MiB</c>).</summary>
    public string? MaxObjectSize { get; init; }
    /// <summary>The longest random wait before the push.</summary>
    public string? Jitter { get; init; }
    /// <summary>The ledger file of what earlier pushes wrote.</summary>
    public string? Ledger { get; init; }

    /// <summary>The directory of compression dictionaries fetched from the servers.</summary>
    public string? DictionaryCache { get; init; }

    /// <summary>The hardware identification file; empty for none.</summary>
    public string? HardwareIdentification { get; init; }

    /// <summary>Commands as <c>name=command</c>; one named as in the file replaces it.</summary>
    public IReadOnlyList<string> Commands { get; init; } = [];

    /// <summary>The timeout of commands that give none.</summary>
    public string? CommandTimeout { get; init; }
    /// <summary>CA, certificate and key files for TLS to the servers.</summary>
    public TlsFiles? Tls { get; init; }

    /// <summary>Commands with a timeout each (the configuration file's); <see cref="Commands"/> replace those of their name.</summary>
    public IReadOnlyList<ConfiguredCommand> ConfiguredCommands { get; init; } = [];

    /// <summary>Globs that replace the deny-list (<see cref="SensitiveObjects.DefaultGlobs"/>).</summary>
    public IReadOnlyList<string>? Sensitive { get; init; }

    /// <summary>Versions kept per object, the current one included (<c>8</c>; <c>1</c> for no history).</summary>
    public string? History { get; init; }

    /// <summary>How long a replaced version is kept (<c>14d</c>).</summary>
    public string? HistoryAge { get; init; }

    /// <summary>
    /// This request over <paramref name="file"/>'s values: each value given here wins. Servers and a
    /// topology go together: given here, the file's are not read.
    /// </summary>
    public PushRequest Over(PushRequest file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var targets = Servers.Count > 0 || TopologyFile is not null ? this : file;
        return new PushRequest
        {
            Servers = targets.Servers,
            TopologyFile = targets.TopologyFile,
            Hostname = Hostname ?? file.Hostname,
            Directory = Directory ?? file.Directory,
            Ttl = Ttl ?? file.Ttl,
            Timeout = Timeout ?? file.Timeout,
            MaxObjectSize = MaxObjectSize ?? file.MaxObjectSize,
            Jitter = Jitter ?? file.Jitter,
            Ledger = Ledger ?? file.Ledger,
            DictionaryCache = DictionaryCache ?? file.DictionaryCache,
            HardwareIdentification = HardwareIdentification ?? file.HardwareIdentification,
            Commands = [.. file.Commands, .. Commands],
            CommandTimeout = CommandTimeout ?? file.CommandTimeout,
            Tls = Tls is null ? file.Tls : Tls.Over(file.Tls),
            ConfiguredCommands = [.. file.ConfiguredCommands, .. ConfiguredCommands],
            Sensitive = Sensitive ?? file.Sensitive,
            History = History ?? file.History,
            HistoryAge = HistoryAge ?? file.HistoryAge,
        };
    }
}

/// <summary>A push run's settings, resolved (<see cref="Resolve"/>): every value known, every name checked.</summary>
public sealed record PushSettings
{
    /// <summary>The outgoing directory when none is given.</summary>
    public const string DefaultDirectory = "/var/lib/sysops-fast/outgoing";
    /// <summary>The lock file's name, beside the ledger.</summary>
    public const string LockFileName = "push.lock";
    /// <summary>Records expire after this when no expiry is given.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromHours(6);
    /// <summary>Each server's time for a push when none is given.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The host name the objects are stored under.</summary>
    public required string Hostname { get; init; }
    /// <summary>Every server to push to.</summary>
    public required IReadOnlyList<ServerAddress> Servers { get; init; }

    /// <summary>The outgoing directory; null when none is read (the default one does not exist).</summary>
    public string? Directory { get; init; }
    /// <summary>Expiry of the records; null for none.</summary>
    public TimeSpan? Ttl { get; init; } = DefaultTtl;
    /// <summary>How long each server may take.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;
    /// <summary>Objects over this many bytes are stored without their contents.</summary>
    public long SizeCap { get; init; } = Format.RecordEncoder.DefaultSizeCap;
    /// <summary>The longest random wait before the push (<see cref="PushJitter"/>).</summary>
    public TimeSpan Jitter { get; init; }
    /// <summary>The ledger file of what earlier pushes wrote.</summary>
    public required string LedgerFile { get; init; }

    /// <summary>Where dictionaries fetched from the servers are kept between runs (<see cref="Push.DictionaryCache"/>).</summary>
    public required string DictionaryCacheDirectory { get; init; }

    /// <summary>Beside the ledger: held while a push runs, so that two never overlap.</summary>
    public string LockFile => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(LedgerFile))!, LockFileName);
    /// <summary>The hardware identification file; null for none.</summary>
    public string? HardwareIdentification { get; init; }
    /// <summary>Commands to run, each output pushed as <c>cmd/&lt;name&gt;</c>.</summary>
    public IReadOnlyList<CommandSpec> Commands { get; init; } = [];
    /// <summary>Objects never read nor pushed.</summary>
    public SensitiveObjects Sensitive { get; init; } = SensitiveObjects.Default;

    /// <summary>The versions each changed object keeps (docs/FORMAT.md, "History").</summary>
    public HistoryRetention History { get; init; } = HistoryRetention.Default;

    /// <summary>The configuration file's warnings (unknown keys).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The request over the configuration file (given or default) over the defaults; a bad value is an error.</summary>
    public static PushSettings Resolve(PushRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var file = AgentConfigFile.Locate(request.ConfigFile);
        var config = file is null ? new AgentConfig(new PushRequest(), []) : AgentConfigFile.Load(file);
        var r = request.Over(config.Values);
        var commandTimeout = r.CommandTimeout is { } t ? DurationParser.ParseTimeout(t) : CommandSpec.DefaultTimeout;
        return new PushSettings
        {
            Hostname = HostName(r.Hostname),
            Servers = TargetResolver.PushTargets(r.Servers, r.TopologyFile, r.Tls),
            Directory = OutgoingDirectory(r.Directory),
            Ttl = r.Ttl is { } ttl ? DurationParser.ParseTtl(ttl) : DefaultTtl,
            Timeout = r.Timeout is { } timeout ? DurationParser.ParseTimeout(timeout) : DefaultTimeout,
            SizeCap = r.MaxObjectSize is { } size ? ByteSizeParser.ParseSizeCap(size) : Format.RecordEncoder.DefaultSizeCap,
            Jitter = r.Jitter is { } jitter ? DurationParser.Parse(jitter) : TimeSpan.Zero,
            LedgerFile = r.Ledger ?? DefaultLedger(),
            DictionaryCacheDirectory = r.DictionaryCache ?? DefaultDictionaryCache(),
            HardwareIdentification = HardwareIdentificationFile(r.HardwareIdentification),
            Commands = MergeCommands(r.ConfiguredCommands, r.Commands, commandTimeout),
            Sensitive = r.Sensitive is { } globs ? new SensitiveObjects(globs) : SensitiveObjects.Default,
            History = HistoryRetention.Parse(r.History, r.HistoryAge),
            Warnings = config.Warnings,
        };
    }

    /// <summary>The configured commands, each replaced by a later one of the same name (<c>name=command</c>, the command line's).</summary>
    private static List<CommandSpec> MergeCommands(IReadOnlyList<ConfiguredCommand> configured, IReadOnlyList<string> given, TimeSpan defaultTimeout)
    {
        var commands = new List<CommandSpec>();
        foreach (var command in configured.Select(c => new CommandSpec(c.Name, c.Run, c.Timeout is { } t ? DurationParser.ParseTimeout(t) : defaultTimeout))
            .Concat(given.Select(text => ParseCommand(text, defaultTimeout))))
        {
            commands.RemoveAll(c => c.Name == command.Name);
            commands.Add(command);
        }
        return commands;
    }

    /// <summary><c>name=command</c>: the name up to the first '='.</summary>
    public static CommandSpec ParseCommand(string text, TimeSpan timeout)
    {
        var at = text.IndexOf('=', StringComparison.Ordinal);
        if (at < 0 || string.IsNullOrWhiteSpace(text[(at + 1)..]))
        {
            throw Errors.BadCommand(text, "it is not name=command");
        }
        var name = text[..at];
        return ObjectPath.CommandNameProblem(name) is { } problem
            ? throw Errors.BadCommand(text, $"'{name}' cannot name a command output: {problem}")
            : new CommandSpec(name, text[(at + 1)..], timeout);
    }

    private static string HostName(string? given)
    {
        var host = given ?? LocalHostName();
        return ObjectKey.IsHostName(host) ? host : throw Errors.BadHostName(host);
    }

    /// <summary>A directory given must exist; the default one is read only when it does.</summary>
    private static string? OutgoingDirectory(string? given) => given switch
    {
        null => System.IO.Directory.Exists(DefaultDirectory) ? DefaultDirectory : null,
        _ when System.IO.Directory.Exists(given) => given,
        _ => throw Errors.BadArgument($"'{given}' is not a directory; give the directory of outgoing objects", ErrorRemedy.PushDirectory),
    };

    /// <summary>A file given is read (an error names it if it cannot be); the original's default only when it exists; empty for none.</summary>
    private static string? HardwareIdentificationFile(string? given) => given switch
    {
        null => File.Exists(Push.HardwareIdentificationFile.DefaultPath) ? Push.HardwareIdentificationFile.DefaultPath : null,
        "" => null,
        _ when File.Exists(given) => given,
        _ => throw Errors.HardwareIdentificationInvalid(given, "there is no such file"),
    };

    /// <summary>systemd's StateDirectory= when run as a service, else the user's XDG state directory.</summary>
    public static string DefaultLedger() => ServiceOrUserPath("STATE_DIRECTORY", "pushed.json", "XDG_STATE_HOME", ".local", "state");

    /// <summary>systemd's CacheDirectory= when run as a service, else the user's XDG cache directory.</summary>
    public static string DefaultDictionaryCache() => ServiceOrUserPath("CACHE_DIRECTORY", "dicts", "XDG_CACHE_HOME", ".cache");

    /// <summary>
    /// <paramref name="name"/> in the first directory systemd gives the service in
    /// <paramref name="serviceVariable"/>; else in sysops-fast/ of the user's XDG directory
    /// (<paramref name="xdgVariable"/>, else <paramref name="homeDefault"/> under the home directory).
    /// </summary>
    private static string ServiceOrUserPath(string serviceVariable, string name, string xdgVariable, params string[] homeDefault)
    {
        if (Environment.GetEnvironmentVariable(serviceVariable) is { Length: > 0 } service)
        {
            return Path.Combine(service.Split(':')[0], name);
        }
        var user = Environment.GetEnvironmentVariable(xdgVariable) is { Length: > 0 } xdg
            ? xdg
            : Path.Combine([Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), .. homeDefault]);
        return Path.Combine(user, "sysops-fast", name);
    }

    /// <summary>The machine's fully qualified name, as the resolver knows it; else its short name.</summary>
    public static string LocalHostName()
    {
        try
        {
            return System.Net.Dns.GetHostEntry(Environment.MachineName).HostName;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return Environment.MachineName;
        }
    }
}
