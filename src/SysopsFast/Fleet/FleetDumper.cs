using System.Collections.Concurrent;
using System.Text;
using SysopsFast.Format;
using SysopsFast.Pipeline;

namespace SysopsFast.Fleet;

/// <summary>
/// <c>dump DIR</c>: every record becomes <c>DIR/&lt;host&gt;/&lt;tree path of the object&gt;</c>
/// (<see cref="ObjectPath"/>), with its recorded mode and mtime. Key names come from the network, so
/// a name without a safe path (<c>..</c>, a '/' in the host, a NUL) is refused and reported; the
/// directory may hold links someone planted, so none is followed (<see cref="DumpTreeWriter"/>): a
/// key whose path meets one, or clashes with another key's, is skipped and reported.
/// </summary>
public sealed class FleetDumper : IRecordProcessorFactory
{
    private readonly string _root;
    private readonly ConcurrentQueue<string> _refused = new();
    private long _files;

    /// <summary>Dumps into <paramref name="directory"/> (created when missing).</summary>
    public FleetDumper(string directory)
    {
        _root = Path.GetFullPath(directory);
    }

    /// <summary>Keys not written, each with the reason (unsafe name, a link on the way, a clash).</summary>
    public IReadOnlyList<string> Refused => _refused.ToArray();

    /// <summary>Files written so far.</summary>
    public long Files => Interlocked.Read(ref _files);

    /// <inheritdoc/>
    public IRecordProcessor CreateForWorker() => new Worker(this);

    /// <inheritdoc/>
    public void Complete(IReadOnlyList<IRecordProcessor> processors) { }

    /// <summary>The path segments (host, then tree path) a key is dumped to (<see cref="ObjectPath.ToTreePath"/>), or null with a reason when it has none.</summary>
    internal static string[]? SegmentsFor(string key, out string? reason)
    {
        var (host, obj) = ObjectKey.Split(key);
        var problem = ObjectPath.HostDirectoryProblem(host);
        var tree = problem is null ? ObjectPath.ToTreePath(obj, out problem) : null;
        reason = tree is null ? $"the key '{key}' does not name a path under the dump directory ({problem})" : null;
        return tree is null ? null : [host, .. tree.Split('/')];
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
            var segments = System.Text.Unicode.Utf8.IsValid(key) ? SegmentsFor(name, out reason) : null;
            if (segments is null)
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
                // The tree's shape (a link or a file on the way, a name clash) stops this key only.
                if (DumpTreeWriter.Write(_owner._root, segments, content, header.Stat.Mode & 0x1FF, header.Stat.MtimeUnixSeconds) is { } problem)
                {
                    _owner._refused.Enqueue($"the key '{name}' cannot be written: {problem}");
                    return true;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Errors.WriteFailed(Path.Combine([_owner._root, .. segments]), e);
            }
            Interlocked.Increment(ref _owner._files);
            return true;
        }
    }
}
