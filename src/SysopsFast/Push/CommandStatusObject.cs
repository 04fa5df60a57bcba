using System.Text;
using SysopsFast.Format;

namespace SysopsFast.Push;

/// <summary>
/// The status object of the commands the agent ran, <see cref="ObjectName"/>: for each command (by
/// name) a line <c>&lt;name&gt;.exit = &lt;code&gt;</c> (or <c>timeout after 30 s</c>, or
/// <c>not run: &lt;why&gt;</c>) and, when it wrote any, <c>&lt;name&gt;.stderr = &lt;first KiB&gt;</c>
/// with '\', newlines and carriage returns written <c>\\</c>, <c>\n</c>, <c>\r</c>. One object per host
/// rather than one per command: 24,000 hosts × N commands of small keys would cost the servers
/// memory and the pushes catalog writes, for what is mostly "exit = 0". The lines read as key = value
/// (<c>kv agent/command-status '*.exit' --only-drift</c>). Only what stays the same from run to run
/// is in it, so an unchanged status costs an expiry refresh.
/// </summary>
public static class CommandStatusObject
{
    /// <summary>The status object's name (its key is <c>&lt;host&gt;#agent/command-status</c>).</summary>
    public const string ObjectName = "agent/command-status";

    /// <summary>The status object's contents: the lines above, commands in ordinal order.</summary>
    public static byte[] Render(IEnumerable<CommandResult> results)
    {
        var text = new StringBuilder();
        foreach (var r in results.OrderBy(r => r.Command.Name, StringComparer.Ordinal))
        {
            text.Append(r.Command.Name).Append(".exit = ").Append(r.ExitText).Append('\n');
            var stderr = r.Stderr.TrimEnd('\n');
            if (stderr.Length > 0)
            {
                text.Append(r.Command.Name).Append(".stderr = ").Append(Escape(stderr)).Append('\n');
            }
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The status object as an object to push, taken at <paramref name="insertedUnixMs"/>.</summary>
    public static PushObject ToPushObject(IEnumerable<CommandResult> results, long insertedUnixMs) =>
        new(ObjectName, Render(results), FileStat.None, insertedUnixMs);

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);
}
