using System.Globalization;
using Tomlyn.Syntax;
using SysopsFast.Redis;

namespace SysopsFast.Topology;

/// <summary>
/// Reads the topology TOML (docs/TOPOLOGY.md). The syntax tree, not a model, is walked so that every error
/// can name the file, line and key a human has to fix.
/// </summary>
public static class TopologyFile
{
    public const string EnvironmentVariable = "SYSOPS_FAST_TOPOLOGY";

    /// <summary><c>--topology</c>, else $SYSOPS_FAST_TOPOLOGY, else ~/.config/sysops-fast/topology.toml, else /etc/sysops-fast/topology.toml; null when none exists.</summary>
    public static string? Locate(string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return File.Exists(explicitPath) ? explicitPath : throw Errors.BadArgument($"the topology file '{explicitPath}' does not exist; check its path", ErrorRemedy.TopologyFile);
        }
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return File.Exists(fromEnvironment) ? fromEnvironment : throw Errors.BadArgument($"the topology file '{fromEnvironment}' named by ${EnvironmentVariable} does not exist");
        }
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string[] defaults = [Path.Combine(home, ".config", "sysops-fast", "topology.toml"), "/etc/sysops-fast/topology.toml"];
        return defaults.FirstOrDefault(File.Exists);
    }

    public static FleetTopology Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Errors.BadArgument($"cannot read the topology file '{path}' ({e.Message})");
        }
        return Parse(text, path);
    }

    public static FleetTopology Parse(string text, string fileName)
    {
        var doc = Tomlyn.Parsing.SyntaxParser.Parse(text, fileName, false);
        if (doc.HasErrors)
        {
            for (var i = 0; i < doc.Diagnostics.Count; i++)
            {
                var d = doc.Diagnostics[i];
                if (d.Kind == DiagnosticMessageKind.Error)
                {
                    throw Invalid(fileName, d.Span.Start.Line, null, d.Message);
                }
            }
        }

        var warnings = new List<string>();
        string? local = null;
        var localLine = 0;
        string? tlsCa = null, tlsCert = null, tlsKey = null;
        foreach (var kv in doc.KeyValues)
        {
            var key = KeyText(kv.Key);
            if (key == "local")
            {
                local = kv.Value is StringValueSyntax s ? s.Value : throw Invalid(fileName, kv.Span.Start.Line, "local", "must be a string \"<site>/<core>\"");
                localLine = kv.Span.Start.Line;
            }
            else if (key is "tls_ca" or "tls_cert" or "tls_key")
            {
                var file = kv.Value is StringValueSyntax { Value: { Length: > 0 } path } ? RelativeTo(fileName, path) : throw Invalid(fileName, kv.Span.Start.Line, key, "must be the path of a PEM file, as a string");
                switch (key)
                {
                    case "tls_ca":
                        tlsCa = file;
                        break;
                    case "tls_cert":
                        tlsCert = file;
                        break;
                    default:
                        tlsKey = file;
                        break;
                }
            }
            else
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{fileName}:{kv.Span.Start.Line + 1}: unknown key '{key}' ignored"));
            }
        }

        var cores = new List<Core>();
        foreach (var table in doc.Tables)
        {
            var line = table.Span.Start.Line;
            var path = TablePath(table);
            var name = string.Join('.', path);
            if (table is not TableSyntax || path.Count != 4 || path[0] != "sites" || path[2] != "cores")
            {
                if (table.Items.ChildrenCount > 0 || path.Count == 0 || path[0] != "sites")
                {
                    warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{fileName}:{line + 1}: unknown table [{name}] ignored (cores are [sites.<site>.cores.<core>])"));
                }
                continue;
            }
            var (site, coreName) = (path[1], path[3]);
            if (site.Contains('/', StringComparison.Ordinal) || coreName.Contains('/', StringComparison.Ordinal))
            {
                throw Invalid(fileName, line, name, "site and core names cannot contain '/'");
            }
            List<ServerAddress>? servers = null;
            var isCluster = false;
            foreach (var kv in table.Items)
            {
                var key = KeyText(kv.Key);
                if (key is not ("servers" or "cluster"))
                {
                    warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{fileName}:{kv.Span.Start.Line + 1}: unknown key '{name}.{key}' ignored"));
                    continue;
                }
                if (servers is not null)
                {
                    throw Invalid(fileName, kv.Span.Start.Line, $"{name}.{key}", "a core has either 'servers' or 'cluster', not both");
                }
                isCluster = key == "cluster";
                servers = Addresses(kv, fileName, $"{name}.{key}");
            }
            if (servers is null)
            {
                throw Invalid(fileName, line, name, "the core has neither 'servers' nor 'cluster'");
            }
            if (cores.Any(c => c.Site == site && c.Name == coreName))
            {
                throw Invalid(fileName, line, name, "the core is defined twice");
            }
            cores.Add(new Core(site, coreName, servers, isCluster));
        }
        if (cores.Count == 0)
        {
            throw Invalid(fileName, 0, null, "no core defined; add [sites.<site>.cores.<core>] with servers = [\"redis://host:port\"]");
        }
        if (local is not null && !cores.Any(c => c.Id == local))
        {
            throw Invalid(fileName, localLine, "local", $"'{local}' names no core (cores: {string.Join(", ", cores.Select(c => c.Id))})");
        }
        return new FleetTopology(cores, local, fileName) { Warnings = warnings }.WithTls(new TlsFiles(tlsCa, tlsCert, tlsKey));
    }

    /// <summary>A path in the file, relative to the file's own directory.</summary>
    private static string RelativeTo(string topologyFile, string path) =>
        Path.IsPathRooted(path) ? path : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(topologyFile)) ?? "", path);

    private static List<ServerAddress> Addresses(KeyValueSyntax kv, string fileName, string key)
    {
        if (kv.Value is not ArraySyntax array || array.Items.ChildrenCount == 0)
        {
            throw Invalid(fileName, kv.Span.Start.Line, key, "must be a non-empty list of \"redis://host:port\" strings");
        }
        var list = new List<ServerAddress>();
        foreach (var item in array.Items)
        {
            if (item.Value is not StringValueSyntax s)
            {
                throw Invalid(fileName, item.Span.Start.Line, key, "every server must be a string \"redis://host:port\"");
            }
            try
            {
                list.Add(ServerAddress.Parse(s.Value ?? ""));
            }
            catch (SysopsFastException e)
            {
                throw Invalid(fileName, item.Span.Start.Line, key, e.Message);
            }
        }
        return list.Distinct().ToList();
    }

    private static List<string> TablePath(TableSyntaxBase table)
    {
        var path = new List<string>();
        if (table.Name is { } name)
        {
            path.Add(KeyText(name.Key));
            foreach (var dot in name.DotKeys)
            {
                path.Add(KeyText(dot.Key));
            }
        }
        return path;
    }

    private static string KeyText(KeySyntax? key) => key is null ? "" : KeyText(key.Key) + string.Concat(key.DotKeys.Select(d => "." + KeyText(d.Key)));

    private static string KeyText(BareKeyOrStringValueSyntax? key) => key switch
    {
        StringValueSyntax s => s.Value ?? "",
        null => "",
        _ => key.ToString()!.Trim(),
    };

    private static SysopsFastException Invalid(string file, int zeroBasedLine, string? key, string why) =>
        Errors.TopologyInvalid(file, zeroBasedLine + 1, key, why);
}
