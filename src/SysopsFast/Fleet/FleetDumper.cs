using System.Collections.Concurrent;
using System.Text;
using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Fleet;

/// <summary>
/// <c>dump DIR</c>: every record becomes <c>DIR/&lt;host&gt;/&lt;tree path of the object&gt;</c>
/// (<see cref="ObjectPath"/>), with its recorded mode and mtime. Key names come from the network, so
/// a name without a safe path (<c>..</c>, a '/' in the host, a NUL) is refused and reported, never followed.
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

    /// <summary>The file a key is dumped to (<see cref="ObjectPath.ToTreePath"/>), or null with a reason when it has none.</summary>
    internal string? PathFor(string key, out string? reason)
    {
        var (host, obj) = ObjectKey.Split(key);
        var problem = ObjectPath.HostDirectoryProblem(host);
        var tree = problem is null ? ObjectPath.ToTreePath(obj, out problem) : null;
        if (tree is null)
        {
            reason = $"the key '{key}' does not name a path under the dump directory ({problem})";
            return null;
        }
        // The mapping cannot climb out; checked again here, where a mistake would write outside.
        var path = Path.GetFullPath(Path.Combine([_root, host, .. tree.Split('/')]));
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
            // An invalid byte would be read as U+FFFD: the file would name another key.
            string? reason = null;
            var path = System.Text.Unicode.Utf8.IsValid(key) ? _owner.PathFor(name, out reason) : null;
            if (path is null)
            {
                _owner._refused.Enqueue(reason ?? $"the key '{name}' is not UTF-8, so no file name gives it back");
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
