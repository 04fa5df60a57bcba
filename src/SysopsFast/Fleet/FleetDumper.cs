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
            _owner.Write(name, segments, header, content);
            return true;
        }
    }

    /// <summary>Writes one file (of a record, or of a version: <paramref name="name"/> says which); one that cannot be is refused and named.</summary>
    private void Write(string name, string[] segments, in RecordHeader header, ReadOnlySpan<byte> content)
    {
        if ((header.Flags & RecordFlags.Omitted) != 0)
        {
            _refused.Enqueue($"'{name}' was over the size cap when pushed ({header.RawLength} bytes); its contents were not stored");
            return;
        }
        try
        {
            // The tree's shape (a link or a file on the way, a name clash) stops this file only.
            if (DumpTreeWriter.Write(_root, segments, content, header.Stat.Mode & 0x1FF, header.Stat.MtimeUnixSeconds) is { } problem)
            {
                _refused.Enqueue($"the key '{name}' cannot be written: {problem}");
                return;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Errors.WriteFailed(Path.Combine([_root, .. segments]), e);
        }
        Interlocked.Increment(ref _files);
    }

    /// <summary>Versions that could not be rebuilt (<see cref="RunAllVersionsAsync"/>): counted, the first <see cref="UnrebuildableNamed"/> named.</summary>
    public long Unrebuildable { get; private set; }

    /// <summary>The first versions that could not be rebuilt, each <c>key (version N): reason</c>.</summary>
    public IReadOnlyList<string> FirstUnrebuildable => _unrebuildable;

    /// <summary>Unrebuildable versions named in <see cref="FirstUnrebuildable"/>; the rest are only counted.</summary>
    public const int UnrebuildableNamed = 10;

    private readonly List<string> _unrebuildable = [];

    /// <summary>Older versions written (<see cref="RunAllVersionsAsync"/>), beside the files of the current records.</summary>
    public long Versions { get; private set; }

    /// <summary>
    /// <c>dump --all-versions</c>: every matching record's file as <see cref="FleetQuery.RunAsync(string, IRecordProcessorFactory, CancellationToken)"/>
    /// writes it, and each version kept (the current one included) to the object's version directory
    /// (<see cref="VersionTree"/>: <c>&lt;tree path&gt;#history/&lt;inserted ms&gt;</c>) with its mode and
    /// mtime. Per core, the keys are listed from one server, then their records and history lists read
    /// from it, a few keys a round trip. A version that cannot be rebuilt is counted (<see cref="Unrebuildable"/>),
    /// the others still written.
    /// </summary>
    /// <exception cref="SysopsFastException">No object matches; a server cannot be read.</exception>
    public async Task<ExtractSummary> RunAllVersionsAsync(FleetQuery fleet, string pattern, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        var summaries = new List<ExtractSummary>();
        long listed = 0;
        foreach (var target in Redis.CoreTarget.Plan(fleet.Cores, noLoadBalance: false))
        {
            var (server, db) = await fleet.Connections.FirstAnsweringAsync(target, cancellationToken);
            var keys = new KeyCollector();
            var listing = await fleet.Unaudited.RunOnTargetsAsync(fleet.Select(pattern, RecordReadMode.KeyOnly), keys, [new Redis.CoreTarget(target.Core, [server])], fleet.Targeting.AllowPartial, cancellationToken);
            var corrupt = new List<CorruptRecord>();
            var reader = new Redis.VersionReader(db, fleet.LoadedDictionaries);
            foreach (var chunk in keys.Sorted().Chunk(Redis.VersionReader.KeysPerRead))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var versions = await reader.ReadAsync([.. chunk.Select(Encoding.UTF8.GetBytes)]);
                for (var i = 0; i < chunk.Length; i++)
                {
                    WriteVersions(server.ToString(), chunk[i], versions[i], corrupt);
                }
            }
            listed += keys.Count;
            summaries.Add(listing with { Corrupt = [.. listing.Corrupt, .. corrupt] });
        }
        var summary = ExtractSummary.Combine(summaries);
        if (listed == 0)
        {
            throw Errors.NothingMatched(pattern, fleet.Servers.Select(s => s.ToString()));
        }
        fleet.Audit.Record("dump", pattern, "--all-versions", summaries);
        return summary;
    }

    /// <summary>One key's file and version directory; a current record that cannot be read is a corrupt record, as a query reports it.</summary>
    private void WriteVersions(string server, string key, List<StoredVersion>? versions, List<CorruptRecord> corrupt)
    {
        if (versions is null)
        {
            return; // gone since it was listed
        }
        var segments = SegmentsFor(key, out var reason);
        if (segments is null)
        {
            _refused.Enqueue(reason!);
            return;
        }
        var times = new HashSet<long>();
        foreach (var v in versions)
        {
            if (v.Error is not null)
            {
                Unreadable($"{key} (version {v.Index}): {v.Error}");
                if (v.Index == 0)
                {
                    corrupt.Add(new CorruptRecord(server, key, v.Error));
                }
                continue;
            }
            if (v.Index == 0)
            {
                Write(key, segments, v.Header, v.Contents.Span);
            }
            if (!times.Add(v.Header.InsertedUnixMs))
            {
                Unreadable($"{key} (version {v.Index}): stored at the same time as a newer version, so no file name of its own");
                continue;
            }
            Write($"{key} (version {v.Index})", VersionTree.Segments(segments, v.Header.InsertedUnixMs), v.Header, v.Contents.Span);
            Versions += v.Index > 0 ? 1 : 0;
        }
    }

    private void Unreadable(string what)
    {
        if (++Unrebuildable <= UnrebuildableNamed)
        {
            _unrebuildable.Add(what);
        }
    }

    /// <summary>The keys a key-only read lists (once each: a SCAN may return a key twice), sorted.</summary>
    private sealed class KeyCollector : IRecordProcessorFactory, IRecordProcessor
    {
        private readonly ConcurrentDictionary<string, bool> _keys = new(StringComparer.Ordinal);

        public int Count => _keys.Count;

        public string[] Sorted() => [.. _keys.Keys.Order(StringComparer.Ordinal)];

        public IRecordProcessor CreateForWorker() => this;

        public void Complete(IReadOnlyList<IRecordProcessor> processors)
        {
        }

        public bool Process(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content)
        {
            _keys.TryAdd(Encoding.UTF8.GetString(key), true);
            return true;
        }
    }
}
