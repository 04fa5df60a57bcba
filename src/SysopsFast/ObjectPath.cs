using System.Globalization;
using System.Text;

namespace SysopsFast;

/// <summary>
/// Object names (the part of a key after its first <c>#</c>) and the one mapping between them and
/// the paths of a dump tree, which <c>dump</c> writes and <c>import</c> reads (docs/FORMAT.md, "Keys
/// and the dump layout"). A name is absolute (<c>/etc/passwd</c>) or relative (<c>cmd/sysctl-a</c>);
/// in a tree, an absolute name is its path without the leading '/', a relative name the same with
/// <see cref="RelativeMarker"/> before its first segment (<c>#cmd/sysctl-a</c>), so the two kinds
/// never meet on one file. Within a segment, '%', '#', '\' and control characters are written
/// <c>%XX</c>: a tree path holds no newline, no backslash (a separator elsewhere), and a '#' only as
/// the marker.
/// </summary>
public static class ObjectPath
{
    /// <summary>Before the first segment of a relative name's tree path, as in the key (<c>host#cmd/x</c>).</summary>
    public const char RelativeMarker = '#';

    /// <summary>The longest file name Linux takes (NAME_MAX), in bytes.</summary>
    private const int MaxSegmentBytes = 255;

    /// <summary>
    /// Why <paramref name="name"/> cannot be an object name, or null: it must not be empty, hold a
    /// NUL, or have an empty, <c>.</c> or <c>..</c> segment (so no name can climb out of a tree).
    /// </summary>
    public static string? Problem(string name)
    {
        if (name.Length == 0)
        {
            return "it is empty";
        }
        if (name.Contains('\0', StringComparison.Ordinal))
        {
            return "it holds a NUL character";
        }
        var segments = Segments(name);
        if (segments.Any(s => s.Length == 0))
        {
            return "it has an empty path segment ('//', or a '/' at the end)";
        }
        return segments.Any(s => s is "." or "..") ? "it has a '.' or '..' path segment" : null;
    }

    /// <summary>
    /// Why <paramref name="name"/> cannot name a command output (<c>cmd/&lt;name&gt;</c>, for
    /// commands the agent runs and the original's hardware_identification.json), or null: an object
    /// name that holds no '#' (the key separator), '=', blank or control character, so each command's
    /// line of the status object reads as <c>name.exit = 0</c>.
    /// </summary>
    public static string? CommandNameProblem(string name)
    {
        if (name.Any(c => c is '#' or '=' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return "it holds '#', '=', a blank or a control character";
        }
        return Problem(CommandOutput(name));
    }

    /// <summary>The object a command's output is stored as.</summary>
    public static string CommandOutput(string name) => "cmd/" + name;

    /// <summary>The tree path of an object, '/'-separated and relative to its host's directory; null with <paramref name="problem"/> when it has none.</summary>
    public static string? ToTreePath(string name, out string? problem)
    {
        problem = Problem(name);
        if (problem is not null)
        {
            return null;
        }
        var segments = Segments(name).Select(Escape).ToArray();
        if (!name.StartsWith('/'))
        {
            segments[0] = RelativeMarker + segments[0];
        }
        if (segments.Any(s => Encoding.UTF8.GetByteCount(s) > MaxSegmentBytes))
        {
            problem = $"a path segment is longer than a file name may be ({MaxSegmentBytes} bytes)";
            return null;
        }
        return string.Join('/', segments);
    }

    /// <summary>The object a tree path (relative to its host's directory, '/'-separated) stands for; null with <paramref name="problem"/> when none.</summary>
    public static string? FromTreePath(string treePath, out string? problem)
    {
        var relative = treePath.StartsWith(RelativeMarker);
        var segments = (relative ? treePath[1..] : treePath).Split('/');
        var decoded = new string[segments.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            if (Unescape(segments[i]) is not { } segment)
            {
                problem = "its name holds a '#', or a '%' that is not an escape dump writes (%25, %23, %5C, %0A…)";
                return null;
            }
            decoded[i] = segment;
        }
        var name = (relative ? "" : "/") + string.Join('/', decoded);
        // A marked path whose first segment is empty ("#/x") would read as the absolute "/x".
        problem = relative && name.StartsWith('/') ? "it has an empty path segment after the '#'" : Problem(name);
        return problem is null ? name : null;
    }

    /// <summary>
    /// Why <paramref name="host"/> cannot be a host's directory in a tree, or null: a host name
    /// (<see cref="ObjectKey.HostNameProblem"/>) that is not <c>.</c> or <c>..</c>.
    /// </summary>
    public static string? HostDirectoryProblem(string host) =>
        ObjectKey.HostNameProblem(host) ?? (host is "." or ".." ? "it is '.' or '..'" : null);

    private static string[] Segments(string name) => (name.StartsWith('/') ? name[1..] : name).Split('/');

    private static bool MustEscape(char c) => c is '%' or RelativeMarker or '\\' || (char.IsControl(c) && c < 0x80);

    private static string Escape(string segment)
    {
        if (!segment.Any(MustEscape))
        {
            return segment;
        }
        var text = new StringBuilder(segment.Length + 8);
        foreach (var c in segment)
        {
            if (MustEscape(c))
            {
                text.Append(CultureInfo.InvariantCulture, $"%{(int)c:X2}");
            }
            else
            {
                text.Append(c);
            }
        }
        return text.ToString();
    }

    /// <summary>The segment with its escapes decoded; null if it holds what <see cref="Escape"/> never writes.</summary>
    private static string? Unescape(string segment)
    {
        var text = new StringBuilder(segment.Length);
        for (var i = 0; i < segment.Length; i++)
        {
            var c = segment[i];
            if (c == RelativeMarker)
            {
                return null;
            }
            if (c != '%')
            {
                text.Append(c);
                continue;
            }
            // Only the escapes Escape writes (two upper-case hex digits of a character it escapes):
            // any other spelling would make a second path for the same name.
            if (i + 2 >= segment.Length)
            {
                return null;
            }
            var hex = segment.AsSpan(i + 1, 2);
            if (hex.ContainsAnyInRange('a', 'f') || !byte.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) || !MustEscape((char)value))
            {
                return null;
            }
            text.Append((char)value);
            i += 2;
        }
        return text.ToString();
    }
}
