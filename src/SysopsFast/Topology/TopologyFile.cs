using System.Globalization;
using Tomlyn.Syntax;
using SysopsFast.Config;
using SysopsFast.Redis;

namespace SysopsFast.Topology;

/// <summary>
/// Reads the topology TOML (docs/TOPOLOGY.md). The syntax tree, not a model, is walked so that every error
/// can name the file, line and key a human has to fix.
/// </summary>
public static class TopologyFile
{
    /// <summary>The environment variable that names the topology file.</summary>
    public const string EnvironmentVariable = "SYSOPS_FAST_TOPOLOGY";

    /// <summary><c>--topology</c>, else $SYSOPS_FAST_TOPOLOGY, else ~/.config/sysops-fast/topology.toml, else /etc/sysops-fast/topology.toml; null when none exists.</summary>
    public static string? Locate(string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return Existing(explicitPath, "the topology file", ErrorRemedy.TopologyFile);
        }
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return Existing(fromEnvironment, $"the topology file named by ${EnvironmentVariable}", ErrorRemedy.None);
        }
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string[] defaults = [Path.Combine(home, ".config", "sysops-fast", "topology.toml"), "/etc/sysops-fast/topology.toml"];
        return defaults.FirstOrDefault(File.Exists);
    }

    /// <summary><paramref name="path"/> when it names a file; a directory or nothing there is the caller's mistake.</summary>
    private static string Existing(string path, string what, ErrorRemedy remedy) =>
        File.Exists(path) ? path
        : Directory.Exists(path) ? throw Errors.DirectoryNotFile(what, path, remedy)
        : throw Errors.BadArgument($"{what} '{path}' does not exist; check its path", remedy);

    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    public static FleetTopology Load(string path) => Parse(TomlSyntax.Read(path, "topology file"), path);

    /// <summary>Reads <paramref name="text"/>; errors name <paramref name="fileName"/>, the line and the key.</summary>
    public static FleetTopology Parse(string text, string fileName)
    {
        var doc = TomlSyntax.Parse(text, fileName);

        var warnings = new List<string>();
        string? local = null;
        var localLine = 0;
        var tls = new TlsFiles();
        foreach (var kv in doc.KeyValues)
        {
            var key = TomlSyntax.KeyText(kv.Key);
            if (key == "local")
            {
                local = kv.Value is StringValueSyntax s ? s.Value : throw Invalid(fileName, kv.Span.Start.Line, "local", "must be a string \"<site>/<core>\"");
                localLine = kv.Span.Start.Line;
            }
            else if (!TomlSyntax.TryTlsFile(kv, key, fileName, ref tls))
            {
                warnings.Add(TomlSyntax.UnknownKey(fileName, kv.Span.Start.Line, key));
            }
        }

        var cores = new List<Core>();
        foreach (var table in doc.Tables)
        {
            var line = table.Span.Start.Line;
            var path = TomlSyntax.TablePath(table);
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
                var key = TomlSyntax.KeyText(kv.Key);
                if (key is not ("servers" or "cluster"))
                {
                    warnings.Add(TomlSyntax.UnknownKey(fileName, kv.Span.Start.Line, $"{name}.{key}"));
                    continue;
                }
                if (servers is not null)
                {
                    throw Invalid(fileName, kv.Span.Start.Line, $"{name}.{key}", "a core has either 'servers' or 'cluster', not both");
                }
                isCluster = key == "cluster";
                servers = TomlSyntax.Addresses(kv, fileName, $"{name}.{key}");
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
        return new FleetTopology(cores, local, fileName) { Warnings = warnings }.WithTls(tls);
    }

    private static SysopsFastException Invalid(string file, int zeroBasedLine, string? key, string why) =>
        TomlSyntax.Invalid(file, zeroBasedLine, key, why);
}
