using System.Globalization;
using System.Runtime.InteropServices;
using SysopsFast.Fleet;

namespace SysopsFast.Push;

/// <summary>
/// Whether the agent may obey its configuration file, which names the commands it runs: ssh's
/// StrictModes for authorized_keys, applied to the file and every directory above it. Anyone may
/// keep a file only they can change; the agent running as root obeys only a file that root (or the
/// service user) owns and no one else can change or replace: owned by root or <c>sysops-fast</c>,
/// not writable by group or others, in directories likewise owned and not writable by group or
/// others unless sticky (as /tmp is, where no one can rename another's entry).
/// </summary>
internal static unsafe partial class AgentConfigTrust
{
    /// <summary>The push service's system user (packaging/deb/sysusers.conf).</summary>
    public const string ServiceUser = "sysops-fast";

    private const UnixFileMode OthersWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>Throws, naming the file and the fix, when the agent must not obey <paramref name="path"/>.</summary>
    public static void Check(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return;
        }
        if ((File.GetUnixFileMode(path) & OthersWrite) != 0)
        {
            throw Errors.AgentConfigTooOpen(path);
        }
        if (Environment.IsPrivilegedProcess)
        {
            CheckAsRoot(path);
        }
    }

    /// <summary>The owner of <paramref name="path"/>, already resolved (so its entry is the file itself).</summary>
    private static uint OwnerOf(string path) => (Statx.OfEntry(path) ?? throw new FileNotFoundException($"{path}: no longer exists")).Uid;

    /// <summary>The file and each directory up to '/', links resolved (a link is as safe as what it leads to and the directory it is in).</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void CheckAsRoot(string path)
    {
        var trusted = TrustedOwners();
        var real = RealPath(path);
        if (OwnerOf(real) is var uid && !trusted.Contains(uid))
        {
            throw Errors.AgentConfigNotTrusted(path, $"'{real}' is owned by uid {uid.ToString(CultureInfo.InvariantCulture)}", $"chown root '{real}'");
        }
        if ((File.GetUnixFileMode(real) & OthersWrite) != 0)
        {
            throw Errors.AgentConfigTooOpen(real);
        }
        for (var dir = Path.GetDirectoryName(real); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            var mode = File.GetUnixFileMode(dir);
            if (OwnerOf(dir) is var owner && !trusted.Contains(owner))
            {
                throw Errors.AgentConfigNotTrusted(path, $"its directory '{dir}' is owned by uid {owner.ToString(CultureInfo.InvariantCulture)}", $"chown root '{dir}'");
            }
            if ((mode & OthersWrite) != 0 && (mode & UnixFileMode.StickyBit) == 0)
            {
                throw Errors.AgentConfigNotTrusted(path, $"its directory '{dir}' can be changed by other users, who could put another file in its place", $"chmod go-w '{dir}'");
            }
        }
    }

    /// <summary>root, and the service user when it exists.</summary>
    private static HashSet<uint> TrustedOwners()
    {
        var owners = new HashSet<uint> { 0 };
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var fields = line.Split(':');
                if (fields.Length > 2 && fields[0] == ServiceUser && uint.TryParse(fields[2], CultureInfo.InvariantCulture, out var uid))
                {
                    owners.Add(uid);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No passwd file: root alone is trusted.
        }
        return owners;
    }

    /// <summary>The path with every link resolved (realpath(3)); the path itself when that fails.</summary>
    private static string RealPath(string path)
    {
        var resolved = RealPathCall(Path.GetFullPath(path), 0);
        if (resolved == 0)
        {
            return Path.GetFullPath(path);
        }
        try
        {
            return Marshal.PtrToStringUTF8(resolved) ?? path;
        }
        finally
        {
            NativeMemory.Free((void*)resolved);
        }
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint RealPathCall(string path, nint resolved);
}
