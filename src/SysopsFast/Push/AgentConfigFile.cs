using System.Globalization;
using SysopsFast.Config;
using SysopsFast.Redis;
using Tomlyn.Syntax;

namespace SysopsFast.Push;

/// <summary>A command of the agent's configuration; without a timeout it takes the run's default.</summary>
public sealed record ConfiguredCommand(string Name, string Run, string? Timeout);

/// <summary>
/// The agent's configuration file as read: its values as a <see cref="PushRequest"/> (each already
/// checked, so that an error names its line; paths made relative to the file's directory), and its
/// warnings.
/// </summary>
public sealed record AgentConfig(PushRequest Values, IReadOnlyList<string> Warnings);

/// <summary>
/// Reads <c>/etc/sysops-fast/agent.toml</c> with the topology file's rules: the syntax tree is walked,
/// an unknown key is a warning, a bad value an error naming the file, the line and the key.
/// </summary>
public static class AgentConfigFile
{
    /// <summary>Where the Debian package installs the agent's configuration.</summary>
    public const string DefaultPath = "/etc/sysops-fast/agent.toml";

    /// <summary>The file given (which must exist; empty: none), else <see cref="DefaultPath"/> when it exists, else null.</summary>
    public static string? Locate(string? explicitPath) => explicitPath switch
    {
        null => File.Exists(DefaultPath) ? DefaultPath : null,
        "" => null,
        _ when File.Exists(explicitPath) => explicitPath,
        _ => throw Errors.BadArgument($"the agent configuration file '{explicitPath}' does not exist; check its path"),
    };

    /// <summary>
    /// Reads the file, if the agent may obey it (<see cref="AgentConfigTrust"/>): it names the
    /// commands this agent runs, and the servers and deny-list its pushes obey.
    /// </summary>
    public static AgentConfig Load(string path)
    {
        AgentConfigTrust.Check(path);
        return Parse(TomlSyntax.Read(path, "agent configuration file"), path);
    }

    /// <summary>Reads <paramref name="text"/>; errors name <paramref name="fileName"/> and the line.</summary>
    public static AgentConfig Parse(string text, string fileName)
    {
        var doc = TomlSyntax.Parse(text, fileName);
        var reader = new Reader(fileName);
        var values = new PushRequest();
        var tls = new TlsFiles();
        var seen = new HashSet<string>();
        foreach (var kv in doc.KeyValues)
        {
            var key = reader.Once(seen, kv, "");
            if (!TomlSyntax.TryTlsFile(kv, key, fileName, ref tls))
            {
                values = reader.TopLevel(values, key, kv);
            }
        }
        var commands = new List<ConfiguredCommand>();
        foreach (var table in doc.Tables)
        {
            if (reader.Command(table) is { } command)
            {
                commands.Add(commands.Any(c => c.Name == command.Name)
                    ? throw TomlSyntax.Invalid(fileName, table.Span.Start.Line, "commands." + command.Name, "the command is defined twice")
                    : command);
            }
        }
        return new AgentConfig(values with { Tls = tls.IsEmpty ? null : tls, ConfiguredCommands = commands }, reader.Warnings);
    }

    /// <summary>One file's values, each checked where it stands so an error names its line.</summary>
    private sealed class Reader(string fileName)
    {
        public List<string> Warnings { get; } = [];

        public PushRequest TopLevel(PushRequest values, string key, KeyValueSyntax kv) => key switch
        {
            "servers" => values with { Servers = TomlSyntax.AddressTexts(kv, fileName, key) },
            "topology" => values with { TopologyFile = Path(kv, key) },
            "hostname" => values with { Hostname = HostName(kv) },
            "directory" => values with { Directory = Path(kv, key) },
            "ttl" => values with { Ttl = Checked(kv, key, DurationParser.Parse, Duration) },
            "timeout" => values with { Timeout = Checked(kv, key, DurationParser.ParseTimeout, Duration) },
            "jitter" => values with { Jitter = Checked(kv, key, DurationParser.Parse, Duration) },
            "max_object_size" => values with { MaxObjectSize = Checked(kv, key, ByteSizeParser.ParseSizeCap, Size) },
            "ledger" => values with { Ledger = Path(kv, key) },
            "dictionary_cache" => values with { DictionaryCache = Path(kv, key) },
            "hardware_identification" => values with { HardwareIdentification = String(kv, key) is { Length: > 0 } file ? TomlSyntax.RelativeTo(fileName, file) : "" },
            "sensitive" => values with { Sensitive = Globs(kv, key) },
            "history" => values with { History = Checked(kv, key, v => HistoryRetention.Parse(v, null), Versions) },
            "history_age" => values with { HistoryAge = Checked(kv, key, v => HistoryRetention.Parse(null, v), Duration) },
            _ => Unknown(values, kv, key),
        };

        /// <summary>A <c>[commands.&lt;name&gt;]</c> table; any other table is a warning (null).</summary>
        public ConfiguredCommand? Command(TableSyntaxBase table)
        {
            var path = TomlSyntax.TablePath(table);
            var line = table.Span.Start.Line;
            if (table is not TableSyntax || path.Count != 2 || path[0] != "commands")
            {
                Warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{fileName}:{line + 1}: unknown table [{string.Join('.', path)}] ignored (commands are [commands.<name>])"));
                return null;
            }
            var name = path[1];
            if (ObjectPath.CommandNameProblem(name) is { } problem)
            {
                throw TomlSyntax.Invalid(fileName, line, "commands." + name, $"cannot name a command output: {problem}");
            }
            string? run = null;
            string? timeout = null;
            var seen = new HashSet<string>();
            foreach (var kv in table.Items)
            {
                var key = Once(seen, kv, $"commands.{name}.");
                switch (TomlSyntax.KeyText(kv.Key))
                {
                    case "run":
                        run = String(kv, key) is { Length: > 0 } command ? command : throw TomlSyntax.Invalid(fileName, kv.Span.Start.Line, key, "must be the command to run, as a string");
                        break;
                    case "timeout":
                        timeout = Checked(kv, key, DurationParser.ParseTimeout, Duration);
                        break;
                    default:
                        Warnings.Add(TomlSyntax.UnknownKey(fileName, kv.Span.Start.Line, key));
                        break;
                }
            }
            return run is null ? throw TomlSyntax.Invalid(fileName, line, "commands." + name, "the command has no 'run'") : new ConfiguredCommand(name, run, timeout);
        }

        /// <summary>The key of <paramref name="kv"/> (after <paramref name="prefix"/>); one given twice in its table is an error (TOML forbids it; which to obey is a guess).</summary>
        public string Once(HashSet<string> seen, KeyValueSyntax kv, string prefix)
        {
            var key = prefix + TomlSyntax.KeyText(kv.Key);
            return seen.Add(key) ? key : throw TomlSyntax.Invalid(fileName, kv.Span.Start.Line, key, "the key is given twice; keep one");
        }

        private PushRequest Unknown(PushRequest values, KeyValueSyntax kv, string key)
        {
            Warnings.Add(TomlSyntax.UnknownKey(fileName, kv.Span.Start.Line, key));
            return values;
        }

        private string String(KeyValueSyntax kv, string key) =>
            kv.Value is StringValueSyntax { Value: { } text } ? text : throw TomlSyntax.Invalid(fileName, kv.Span.Start.Line, key, "must be a string");

        private string Path(KeyValueSyntax kv, string key) =>
            String(kv, key) is { Length: > 0 } path ? TomlSyntax.RelativeTo(fileName, path) : throw TomlSyntax.Invalid(fileName, kv.Span.Start.Line, key, "must be a path, not empty");

        private string HostName(KeyValueSyntax kv)
        {
            var host = String(kv, "hostname");
            return ObjectKey.HostNameProblem(host) is { } problem ? throw TomlSyntax.Invalid(fileName, kv.Span.Start.Line, "hostname", $"'{host}' cannot be a host name ({problem})") : host;
        }

        private const string Duration = "a duration such as \"6h\", \"30s\", or a number of seconds";

        private const string Versions = "a number of versions, 1 for none";

        private const string Size = "a size such as \"10MiB\", or a number of bytes";

        /// <summary>
        /// A string, or an integer (seconds, bytes), checked by the one parser of its kind, whose
        /// error is told with the file, line and key; the text, for the run to read again.
        /// </summary>
        private string Checked<T>(KeyValueSyntax kv, string key, Func<string, T> parse, string what)
        {
            var text = kv.Value switch
            {
                StringValueSyntax { Value: { } s } => s,
                IntegerValueSyntax n => n.Value.ToString(CultureInfo.InvariantCulture),
                _ => throw TomlSyntax.Invalid(fileName, kv.Span.Start.Line, key, "must be " + what),
            };
            try
            {
                _ = parse(text);
                return text;
            }
            catch (SysopsFastException e)
            {
                throw TomlSyntax.Invalid(fileName, kv.Span.Start.Line, key, e.Message);
            }
        }

        private List<string> Globs(KeyValueSyntax kv, string key) =>
            kv.Value is ArraySyntax { Items.ChildrenCount: 0 } ? [] : [.. TomlSyntax.Strings(kv, fileName, key, "glob", "\"/etc/shadow*\"").Select(g => g.Text)];
    }
}
