using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace SysopsFast.Push;

/// <summary>
/// The lock file that keeps two pushes of one host from overlapping (cron starting the next run
/// while a slow one still waits on a server). It is an exclusive flock (.NET takes one for
/// <see cref="FileShare.None"/>), which the kernel releases when the process ends however it ends,
/// so a crashed run never leaves it held. The holder writes who it is into the file, for the next
/// run's error message.
/// </summary>
public sealed partial class PushLock : IDisposable
{
    /// <summary>EWOULDBLOCK: flock found the lock held (.NET gives the errno as the HResult).</summary>
    private const int LockHeld = 11;

    private readonly FileStream _file;

    private PushLock(FileStream file) => _file = file;

    /// <summary>Takes the lock in <paramref name="path"/> (creating it and its directory), or throws naming the run that holds it.</summary>
    public static PushLock Acquire(string path)
    {
        FileStream file;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e.HResult == LockHeld)
        {
            throw Errors.PushRunning(path, Holder(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Errors.BadArgument($"cannot create the push lock file '{path}' ({e.Message}); check that the state directory is writable");
        }
        var me = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"pid {Environment.ProcessId}, started {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC\n"));
        file.SetLength(0);
        file.Write(me);
        file.Flush();
        return new PushLock(file);
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _file.Dispose();

    /// <summary>
    /// What the holder wrote. Read with open(2): .NET takes a shared flock on every file it opens,
    /// which the holder's exclusive one refuses.
    /// </summary>
    private static unsafe string Holder(string path)
    {
        Span<byte> text = stackalloc byte[256];
        var length = 0;
        try
        {
            var fd = Open(path, 0);
            if (fd >= 0)
            {
                fixed (byte* p = text)
                {
                    length = (int)Math.Max(0, Read(fd, p, text.Length));
                }
                _ = Close(fd);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not Linux: the holder stays unnamed.
        }
        var holder = Encoding.UTF8.GetString(text[..length]).Trim();
        return holder.Length > 0 ? holder : "a run that has not said who it is";
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "read")]
    private static unsafe partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
