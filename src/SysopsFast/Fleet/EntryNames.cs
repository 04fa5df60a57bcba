using SysopsFast.Output;

namespace SysopsFast.Fleet;

/// <summary>Names of files and tar entries in import's messages: whoever wrote the tree chose them.</summary>
internal static class EntryNames
{
    /// <summary>
    /// The name with its control characters shown as <c>cat -v</c> shows them (<see cref="ControlEscaping"/>),
    /// newline and tab too, so an escape sequence never reaches a terminal and a message stays one line.
    /// </summary>
    public static string Shown(string name) =>
        ControlEscaping.Escape(name).Replace("\n", "^J", StringComparison.Ordinal).Replace("\t", "^I", StringComparison.Ordinal);
}
