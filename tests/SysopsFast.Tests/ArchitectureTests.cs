using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>
/// The library's folders are its layers (namespace = folder): a folder may use another only one
/// way. Read from the sources, by namespace: a <c>using SysopsFast.X;</c> or a name qualified
/// <c>X.Type</c> (comments and string literals left out).
/// </summary>
public sealed partial class ArchitectureTests
{
    /// <summary>
    /// Cycles that were there before this rule and are still to be cut (each by its owner's part of
    /// issue 17); a new one fails, and so does one of these once it is gone (remove it here).
    /// </summary>
    private static readonly HashSet<(string, string)> KnownCycles =
    [
        ("Fleet", "Push"),
        ("Query", "Redis"),
        ("Redis", "Topology"),
    ];

    private static string LibraryDirectory([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "src", "SysopsFast"));

    /// <summary>Each folder of the library with the folders its sources use.</summary>
    private static Dictionary<string, HashSet<string>> FolderUses()
    {
        var root = LibraryDirectory();
        var folders = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Where(f => f is not ("bin" or "obj")).ToArray();
        var uses = folders.ToDictionary(f => f, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            {
                var code = StringLiteral().Replace(LineComment().Replace(File.ReadAllText(file), ""), "\"\"");
                foreach (var other in folders.Where(o => o != folder))
                {
                    if (code.Contains($"using SysopsFast.{other};", StringComparison.Ordinal) || Regex.IsMatch(code, $@"(?<![\w.])(SysopsFast\.)?{other}\.[A-Z]"))
                    {
                        uses[folder].Add(other);
                    }
                }
            }
        }
        return uses;
    }

    [Fact]
    public void The_matcher_searcher_and_sinks_in_Grep_use_no_printer_of_Output()
    {
        var uses = FolderUses();
        Assert.Contains("Grep", uses["Output"]); // printers are sinks: they implement Grep's interface
        Assert.DoesNotContain("Output", uses["Grep"]);
    }

    [Fact]
    public void No_two_folders_use_each_other()
    {
        var uses = FolderUses();
        var cycles = uses.SelectMany(u => u.Value.Where(o => string.CompareOrdinal(u.Key, o) < 0 && uses[o].Contains(u.Key)).Select(o => (u.Key, o))).ToHashSet();
        Assert.Equal(KnownCycles.Order(), cycles.Order());
    }

    /// <summary>The CLI is a caller like any other: everything it answers comes from a public library call.</summary>
    [Fact]
    public void The_library_shows_no_internals_to_the_cli()
    {
        var project = File.ReadAllText(Path.Combine(LibraryDirectory(), "SysopsFast.csproj"));
        Assert.Contains("InternalsVisibleTo Include=\"SysopsFast.Tests\"", project, StringComparison.Ordinal);
        Assert.DoesNotContain("InternalsVisibleTo Include=\"sysops-fast\"", project, StringComparison.Ordinal);
    }

    [Fact]
    public void The_reading_of_uses_sees_a_qualified_name_and_a_using()
    {
        Assert.Matches(new Regex(@"(?<![\w.])(SysopsFast\.)?Output\.[A-Z]"), "var s = Output.TextStyle.Plain;");
        Assert.DoesNotMatch(new Regex(@"(?<![\w.])(SysopsFast\.)?Format\.[A-Z]"), "string.Format(\"x\")");
    }

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();

    [GeneratedRegex(@"""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex StringLiteral();
}
