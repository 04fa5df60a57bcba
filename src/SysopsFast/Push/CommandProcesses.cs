using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace SysopsFast.Push;

/// <summary>
/// Every process one command started, to kill them all at its timeout. Its process group is not
/// enough: a child may leave it (setsid) and its parent too (a double fork, as a daemon does). So
/// the agent adopts its commands' orphans (PR_SET_CHILD_SUBREAPER: they stay its descendants rather
/// than init's), and each command's environment carries a marker of its own that its children
/// inherit. A command's processes are then its shell's descendants, and the agent's descendants that
/// carry its marker. Only a process that leaves the tree and clears its environment (env -i) escapes.
/// </summary>
internal static partial class CommandProcesses
{
    /// <summary>The environment variable that marks a command's processes.</summary>
    public const string MarkerVariable = "SYSOPS_FAST_COMMAND";

    private const int SigKill = 9;
    private const int PrSetChildSubreaper = 36;
    private const int WNoHang = 1;

    /// <summary>Rounds of find-and-kill: a process forked between a scan and its kill is found by the next.</summary>
    private const int MaxRounds = 50;

    private static readonly Lazy<bool> Adopting = new(() => Prctl(PrSetChildSubreaper, 1, 0, 0, 0) == 0);

    /// <summary>A marker no other command of any run carries.</summary>
    public static string NewMarker() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>Makes this process adopt its commands' orphans, once; false where it cannot (not Linux).</summary>
    public static bool AdoptOrphans()
    {
        try
        {
            return Adopting.Value;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// SIGKILL to the command's process group, then to every process of the command
    /// (<paramref name="shell"/>'s descendants, this process's descendants marked
    /// <paramref name="marker"/>) until none is left; then reaps those this process adopted.
    /// False when there is no /proc to find them in (the caller kills what it can otherwise).
    /// </summary>
    public static bool Kill(int shell, string marker)
    {
        if (!Directory.Exists("/proc/self") || !AdoptOrphans())
        {
            return false;
        }
        // A shell that ended may have been reaped and its number given to another process: its tree
        // is the command's only while the shell carries the marker.
        var shellIsTheCommand = Carries(shell, marker);
        // Safe even when the shell is gone: Linux does not reuse a number still in use as a process group's.
        _ = KillCall(-shell, SigKill);
        var self = Environment.ProcessId;
        var killed = new HashSet<int>();
        for (var round = 0; round < MaxRounds; round++)
        {
            var table = ProcessTable();
            // Checked again each round: once killed, the shell is reaped by the runtime and its number may be reused.
            shellIsTheCommand = shellIsTheCommand && Carries(shell, marker);
            var alive = (shellIsTheCommand ? Descendants(table, shell).Append(shell) : [])
                .Concat(Descendants(table, self).Where(p => Carries(p, marker)))
                .Where(p => table.TryGetValue(p, out var e) && !e.Zombie)
                .ToHashSet();
            if (alive.Count == 0)
            {
                break;
            }
            foreach (var pid in alive)
            {
                _ = KillCall(pid, SigKill);
                killed.Add(pid);
            }
        }
        // The shell is the runtime's child to reap; the adopted ones are this process's alone.
        foreach (var pid in killed.Where(p => p != shell))
        {
            _ = WaitPid(pid, 0, WNoHang);
        }
        return true;
    }

    /// <summary>Every live process: its parent, and whether it is a zombie (dead, not yet reaped).</summary>
    private static Dictionary<int, (int Parent, bool Zombie)> ProcessTable()
    {
        var table = new Dictionary<int, (int, bool)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                // "pid (comm) S ppid …": comm may hold blanks and parentheses, so read after the last ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 3);
                table[pid] = (int.Parse(fields[1], CultureInfo.InvariantCulture), fields[0] is "Z" or "X");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // It ended while read.
            }
        }
        return table;
    }

    private static IEnumerable<int> Descendants(Dictionary<int, (int Parent, bool Zombie)> table, int root)
    {
        var children = table.ToLookup(e => e.Value.Parent, e => e.Key);
        var pending = new Stack<int>([root]);
        while (pending.TryPop(out var pid))
        {
            foreach (var child in children[pid])
            {
                yield return child;
                pending.Push(child);
            }
        }
    }

    /// <summary>Whether the environment <paramref name="pid"/> started with holds the marker.</summary>
    private static bool Carries(int pid, string marker)
    {
        try
        {
            var entry = $"{MarkerVariable}={marker}";
            return Encoding.UTF8.GetString(File.ReadAllBytes($"/proc/{pid}/environ")).Split('\0').Contains(entry, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int KillCall(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "waitpid")]
    private static partial int WaitPid(int pid, nint status, int options);
}
