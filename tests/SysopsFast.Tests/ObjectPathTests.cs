using Xunit;

namespace SysopsFast.Tests;

/// <summary>The one mapping between object names and dump-tree paths (docs/FORMAT.md, "Keys and the dump layout").</summary>
public sealed class ObjectPathTests
{
    /// <summary>Segments a hostile host might choose: dots, blanks, escapes' own characters, the marker, non-ASCII.</summary>
    private static readonly string[] Pieces =
    [
        "etc", "passwd", ".bashrc", "...", ".x.", "a b", " lead", "new\nline", "tab\tx", "cr\r", "del\u007f", "50%", "%2E",
        "%25", "#x", "a#b", "#", "é", "日本", "back\\slash", "x%23y", "*", "?", "[a]", "-", "~", "cmd", "sysctl -a",
    ];

    public static IEnumerable<string> Names()
    {
        foreach (var a in Pieces)
        {
            yield return a;
            yield return "/" + a;
            foreach (var b in Pieces)
            {
                yield return a + "/" + b;
                yield return "/" + a + "/" + b;
            }
        }
        yield return "cmd/sysctl-a";
        yield return "/etc/hardware_identification.json@lldp-xml";
        yield return "/" + string.Join('/', Pieces);
    }

    [Fact]
    public void Every_name_maps_to_its_own_tree_path_and_back()
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = Names().Distinct().ToList();
        Assert.True(names.Count > 1500);
        foreach (var name in names)
        {
            var path = ObjectPath.ToTreePath(name, out var problem);
            Assert.True(path is not null, $"{name}: {problem}");
            Assert.True(seen.TryAdd(path, name), $"'{name}' and '{seen.GetValueOrDefault(path)}' share the tree path '{path}'");
            Assert.Equal(name, ObjectPath.FromTreePath(path, out problem));
            Assert.Null(problem);
            // Safe as a path: no segment can climb, no control character, '#' only as the marker.
            Assert.All(path.Split('/'), s => Assert.False(s is "" or "." or "..", $"{name} → {path}"));
            Assert.DoesNotContain(path, c => char.IsControl(c) && c < 0x80);
            Assert.DoesNotContain('\\', path);
            Assert.Equal(name.StartsWith('/') ? -1 : 0, path.IndexOf('#', StringComparison.Ordinal));
            Assert.True(path.LastIndexOf('#') <= 0, path);
        }
    }

    [Theory]
    [InlineData("/etc/passwd", "etc/passwd")]
    [InlineData("cmd/sysctl-a", "#cmd/sysctl-a")]
    [InlineData("/cmd/sysctl-a", "cmd/sysctl-a")]
    [InlineData("sysctl -a", "#sysctl -a")]
    [InlineData("/etc/a#b", "etc/a%23b")]
    [InlineData("#x", "#%23x")]
    [InlineData("/tmp/new\nline", "tmp/new%0Aline")]
    [InlineData("/var/50%", "var/50%25")]
    [InlineData("/root/.ssh/..x", "root/.ssh/..x")]
    public void Absolute_names_keep_their_path_and_relative_ones_are_marked(string name, string path)
    {
        Assert.Equal(path, ObjectPath.ToTreePath(name, out _));
        Assert.Equal(name, ObjectPath.FromTreePath(path, out _));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("/", "empty path segment")]
    [InlineData("a//b", "empty path segment")]
    [InlineData("/etc/", "empty path segment")]
    [InlineData("/../x", "'..'")]
    [InlineData("a/./b", "'..'")]
    [InlineData("..", "'..'")]
    [InlineData("x\0y", "NUL")]
    public void Names_that_could_climb_or_vanish_are_refused(string name, string why)
    {
        Assert.Contains(why, ObjectPath.Problem(name), StringComparison.Ordinal);
        Assert.Null(ObjectPath.ToTreePath(name, out var problem));
        Assert.NotNull(problem);
    }

    [Fact]
    public void A_segment_longer_than_a_file_name_has_no_tree_path()
    {
        Assert.Null(ObjectPath.Problem("/" + new string('a', 300)));
        Assert.Null(ObjectPath.ToTreePath("/" + new string('a', 300), out var problem));
        Assert.Contains("255 bytes", problem, StringComparison.Ordinal);
        Assert.NotNull(ObjectPath.ToTreePath("/" + new string('a', 255), out _));
        Assert.Null(ObjectPath.ToTreePath(new string('a', 255), out _)); // the marker makes 256
    }

    /// <summary>A tree path dump never writes has no object: each name has exactly one path.</summary>
    [Theory]
    [InlineData("etc/%41")]
    [InlineData("etc/%0a")]
    [InlineData("etc/50%")]
    [InlineData("etc/%2")]
    [InlineData("etc/a#b")]
    [InlineData("etc/#b")]
    [InlineData("#")]
    [InlineData("#/x")]
    [InlineData("../x")]
    [InlineData("etc/%2E%2E")]
    [InlineData("")]
    public void Tree_paths_dump_never_writes_name_no_object(string path)
    {
        Assert.Null(ObjectPath.FromTreePath(path, out var problem));
        Assert.NotNull(problem);
    }

    [Theory]
    [InlineData("sysctl-a", null)]
    [InlineData("net/ss-tlnp", null)]
    [InlineData("lldp-xml", null)]
    [InlineData("a b", "blank")]
    [InlineData("a#b", "'#'")]
    [InlineData("a=b", "'='")]
    [InlineData("a\nb", "blank")]
    [InlineData("../x", "'..'")]
    [InlineData("x/", "empty path segment")]
    [InlineData("", "empty path segment")]
    public void Command_names_are_object_names_that_read_as_keys(string name, string? why)
    {
        var problem = ObjectPath.CommandNameProblem(name);
        if (why is null)
        {
            Assert.Null(problem);
            Assert.Equal("cmd/" + name, ObjectPath.CommandOutput(name));
        }
        else
        {
            Assert.Contains(why, problem, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("web01.example.com", null)]
    [InlineData("", "blank")]
    [InlineData(" ", "blank")]
    [InlineData("evil#host", "'#'")]
    [InlineData("a/b", "'/'")]
    [InlineData("a\nb", "control")]
    [InlineData("h23456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123", null)]
    [InlineData("h23456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.123456789.1234", "longer than 253 bytes")]
    public void Host_names_are_one_rule_for_push_import_and_dump(string host, string? why)
    {
        Assert.Equal(why is null, ObjectKey.IsHostName(host));
        if (why is not null)
        {
            Assert.Contains(why, ObjectKey.HostNameProblem(host), StringComparison.Ordinal);
        }
        Assert.Contains("'.' or '..'", ObjectPath.HostDirectoryProblem(".."), StringComparison.Ordinal);
    }
}
