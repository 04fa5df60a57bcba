using System.Runtime.InteropServices;

namespace SysopsFast.Push;

/// <summary>Signals a whole process group: what a command started (pipes, children) ends with it.</summary>
internal static partial class ProcessGroup
{
    private const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillCall(int pid, int signal);

    /// <summary>SIGKILL to every process of group <paramref name="groupId"/>; false when none is left (or not Linux).</summary>
    public static bool Kill(int groupId)
    {
        try
        {
            return KillCall(-groupId, SigKill) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
