using System.Collections.Concurrent;
using System.Text;
using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Fleet;

/// <summary>
/// <c>dump DIR</c>: every record becomes <c>DIR/&lt;host&gt;/&lt;object&gt;</c> (a leading '/' of
/// the object dropped), with its recorded mode and mtime. Key names come from the network, so a name
/// that would leave DIR (<c>..</c>, an absolute host, a NUL) is refused and reported, never followed.
/// </summary>
public sealed class FleetDumper : IRecordProcessorFactory
{
    private readonly string _root;
    private readonly ConcurrentQueue<string> _refused = new();
    private long _files;

    public FleetDumper(string directory)
    {
        _root = Path.GetFullPath(directory);
    }

    public IReadOnlyList<string> Refused => _refused.ToArray();

    public long Files => Interlocked.Read(ref _files);

    public IRecordProcessor CreateForWorker() => new Worker(this);

    public void Complete(IReadOnlyList<IRecordProcessor> processors) { }

    /// <summary>The file a key is dumped to, or null with a reason when the key is not a safe path.</summary>
    internal string? PathFor(string key, out string? reason)
    {
        var (host, obj) = ObjectKey.Split(key);
        var relative = obj.TrimStart('/');
        string[] parts = [host, .. relative.Split('/')];
        foreach (var p in parts)
        {
            if (p.Length == 0 || p is "." or ".." || p.Contains('\0', StringComparison.Ordinal) || p.Contains('\\', StringComparison.Ordinal))
            {
                reason = $"the key '{key}' does not name a safe path under the dump directory";
                return null;
            }
        }
        var path = Path.GetFullPath(Path.Combine([_root, .. parts]));
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            reason = $"the key '{key}' would leave the dump directory";
            return null;
        }
        reason = null;
        return path;
    }

    private sealed class Worker : IRecordProcessor
    {
        private readonly FleetDumper _owner;

        public Worker(FleetDumper owner) => _owner = owner;

        public bool Process(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content)
        {
            var name = Encoding.UTF8.GetString(key);
            var path = _owner.PathFor(name, out var reason);
            if (path is null)
            {
                _owner._refused.Enqueue(reason!);
                return true;
            }
            if ((header.Flags & RecordFlags.Omitted) != 0)
            {
                _owner._refused.Enqueue($"'{name}' was over the size cap when pushed ({header.RawLength} bytes); its contents were not stored");
                return true;
            }
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
                {
                    file.Write(content);
                }
                var permissions = (UnixFileMode)(header.Stat.Mode & 0x1FF);
                if (permissions != 0 && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, permissions | UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
                if (header.Stat.MtimeUnixSeconds > 0)
                {
                    File.SetLastWriteTimeUtc(path, DateTimeOffset.FromUnixTimeSeconds(header.Stat.MtimeUnixSeconds).UtcDateTime);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A half-written file (disk full) would look like a real, shorter one: remove it.
                try
                {
                    File.Delete(path);
                }
                catch (IOException)
                {
                    // Nothing more to do; the error below names the file.
                }
                throw Errors.WriteFailed(path, e);
            }
            Interlocked.Increment(ref _owner._files);
            return true;
        }
    }
}
