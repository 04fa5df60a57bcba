using System.Collections.Concurrent;
using System.Diagnostics;
using SysopsFast.Format;
using SysopsFast.Redis;

namespace SysopsFast.Fleet;

/// <param name="Skipped">Files skipped for a problem (unreadable, a path that names no object; in a tar stream also a hard link, a bad host name, a secret): the run exits 2.</param>
/// <param name="Hosts">Host directories imported (of a tar stream: hosts met in it).</param>
/// <param name="Objects">Records written.</param>
/// <param name="StoredBytes">Bytes of the records written.</param>
/// <param name="Elapsed">How long the import took.</param>
public sealed record ImportResult(int Hosts, long Objects, long StoredBytes, IReadOnlyList<string> Skipped, TimeSpan Elapsed)
{
    /// <summary>Symlinks not followed (or leading out of the directory), each with the reason.</summary>
    public IReadOnlyList<string> LinksNotFollowed { get; init; } = [];

    /// <summary>FIFOs, devices and sockets: never opened (in a tar stream: never read).</summary>
    public IReadOnlyList<string> NotRegular { get; init; } = [];
}

/// <summary>How <see cref="FleetImporter"/> treats what it reads.</summary>
/// <param name="AllowSensitive">Import objects that <see cref="Push.SensitiveObjects.Default"/> names (refused otherwise, before anything is written).</param>
/// <param name="FollowSymlinks">Follow a symlink whose real path (every link on the way resolved) stays inside the directory; otherwise none is.</param>
/// <param name="SizeCap">A file over it is stored header-only, flag omitted, as push stores it.</param>
public sealed record ImportOptions(bool AllowSensitive = false, bool FollowSymlinks = false, long SizeCap = RecordEncoder.DefaultSizeCap)
{
    /// <summary>The versions each object keeps, as push keeps them (docs/FORMAT.md, "History").</summary>
    public Push.HistoryRetention History { get; init; } = Push.HistoryRetention.Default;
}

/// <summary>
/// <c>import DIR</c>: <c>DIR/&lt;host&gt;/&lt;tree path&gt;</c> becomes the key
/// <c>&lt;host&gt;#&lt;object&gt;</c> (<see cref="ObjectPath.FromTreePath"/>: <c>etc/passwd</c> is
/// <c>/etc/passwd</c>, <c>#cmd/x</c> is <c>cmd/x</c>), the reverse of <see cref="FleetDumper"/>.
/// Regular files only, each read through <see cref="RegularFileReader"/> within the size cap.
/// </summary>
public static class FleetImporter
{
    /// <summary>Imports the tree <paramref name="directory"/> (<c>DIR/&lt;host&gt;/&lt;tree path&gt;</c>, as <see cref="FleetDumper"/> writes it) into <paramref name="server"/> as records, with the key catalog and, for <see cref="PayloadCodec.ZstdDictionary"/>, trained dictionaries.</summary>
    public static async Task<ImportResult> ImportAsync(string directory, ServerAddress server, PayloadCodec codec, TimeSpan? ttl, CancellationToken cancellationToken, ImportOptions? options = null)
    {
        options ??= new ImportOptions();
        if (!Directory.Exists(directory))
        {
            throw Errors.NotADirectory(directory);
        }
        var clock = Stopwatch.StartNew();
        var hosts = new DirectoryInfo(directory).EnumerateDirectories().Where(d => d.LinkTarget is null).OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
        // Refused before anything is written: the same rule as push's.
        if (hosts.FirstOrDefault(h => !ObjectKey.IsHostName(h.Name)) is { } bad)
        {
            throw Errors.BadHostDirectory(directory, bad.Name);
        }
        var reader = new TreeReader(LinkResolver.Resolve(directory).RealPath ?? Path.GetFullPath(directory), options);
        var tree = hosts.SelectMany(h => LocalObjects.Files(h.FullName).Select(f => TreeFile.Of(h.Name, f.FullPath, f.Relative, f.Status)));
        foreach (var f in tree.Where(f => f.Object is null))
        {
            reader.Skipped.Enqueue($"{f.FullPath}: its path names no object ({f.Problem})");
        }
        var files = tree.Where(f => f.Object is not null);
        if (!options.AllowSensitive)
        {
            RefuseSensitive(files.Where(reader.MayRead).Select(f => ObjectKey.Make(f.Host, f.Object!)));
        }
        // Codec ZstdDictionary: a dictionary per object held by enough hosts, trained on the first
        // hosts' files; the other objects fall back to LZ4. Codec LineDelta: a base too, where it pays.
        var trained = codec is PayloadCodec.ZstdDictionary or PayloadCodec.LineDelta
            ? DictionaryTrainer.TrainWithBases(files.Where(f => f.VersionMs is null).Select(f => (f.Object!, (Func<byte[]?>)(() => reader.Sample(f)))), codec == PayloadCodec.LineDelta)
            : (new Dictionary<string, CompressionDictionary>(), new Dictionary<string, LineDeltaEncoder>());
        var written = await UploadAsync(server, TreeObjects(files), reader.Read, codec, trained, ttl, options.History, cancellationToken);
        return new ImportResult(hosts.Count, written.Records, written.Bytes, [.. reader.Skipped.Concat(written.Failed).Order(StringComparer.Ordinal)], clock.Elapsed)
        {
            LinksNotFollowed = [.. reader.LinksNotFollowed.Order(StringComparer.Ordinal)],
            NotRegular = [.. reader.NotRegular.Order(StringComparer.Ordinal)],
        };
    }

    /// <summary>
    /// Imports a tar stream of such a tree (<c>tar -C DIR -c .</c>: <c>./&lt;host&gt;/&lt;tree path&gt;</c>)
    /// into <paramref name="server"/> by the same rules, read once, one entry's data at a time. Being
    /// a stream, nothing can be refused before anything is written: an entry of a host whose name
    /// cannot be one, or that looks like a secret, is skipped and named in <see cref="ImportResult.Skipped"/>,
    /// as is a hard link (tar keeps its data under its first name only). Symlinks are never followed.
    /// Dictionaries are trained on the first hosts' files.
    /// </summary>
    /// <exception cref="SysopsFastException">The stream is not tar, or broke off: what was read before is imported, and the message says how much.</exception>
    public static async Task<ImportResult> ImportTarAsync(Stream archive, ServerAddress server, PayloadCodec codec, TimeSpan? ttl, CancellationToken cancellationToken, ImportOptions? options = null)
    {
        options ??= new ImportOptions();
        if (options.FollowSymlinks)
        {
            throw Errors.TarLinksNotFollowed();
        }
        var clock = Stopwatch.StartNew();
        var entries = new TarEntries(archive, options);
        using var stream = entries.GetEnumerator();
        // Off the caller's thread: a read of a pipe blocks, and Ctrl-C must still end the caller's wait.
        var head = codec is PayloadCodec.ZstdDictionary or PayloadCodec.LineDelta ? await Task.Run(() => TrainingWindow(stream, cancellationToken), cancellationToken) : new Queue<TarFile>();
        var trained = DictionaryTrainer.TrainWithBases(head.Select(f => (f.Object, (Func<byte[]?>)(() => f.Content.Bytes))), codec == PayloadCodec.LineDelta);
        var written = await UploadAsync(server, Drain(head, stream), f => new LocalObject(f.Host, f.Object, [new ObjectVersion(f.Content, f.Stat, null)]), codec, trained, ttl, options.History, cancellationToken);
        if (entries.Broken is { } why)
        {
            throw Errors.TarBroken(why, written.Records, entries.Hosts);
        }
        return new ImportResult(entries.Hosts, written.Records, written.Bytes, [.. entries.Skipped, .. written.Failed], clock.Elapsed)
        {
            LinksNotFollowed = entries.LinksNotFollowed,
            NotRegular = entries.NotRegular,
        };
    }

    /// <summary>
    /// The first files of the stream, held for training: those of the first
    /// <see cref="DictionaryTrainer.SamplesPerObject"/> hosts, at most <see cref="TrainingBytes"/>.
    /// An object first met after them gets no dictionary (LZ4), as one held by few hosts.
    /// </summary>
    private static Queue<TarFile> TrainingWindow(IEnumerator<TarFile> stream, CancellationToken cancellationToken)
    {
        var head = new Queue<TarFile>();
        var hosts = new HashSet<string>(StringComparer.Ordinal);
        long held = 0;
        while (held < TrainingBytes && hosts.Count <= DictionaryTrainer.SamplesPerObject && stream.MoveNext())
        {
            cancellationToken.ThrowIfCancellationRequested();
            head.Enqueue(stream.Current);
            hosts.Add(stream.Current.Host);
            held += stream.Current.Content.Bytes?.Length ?? 0;
        }
        return head;
    }

    /// <summary>Contents held for training at most: 100 hosts' usual objects fit many times over.</summary>
    private const long TrainingBytes = 64 << 20;

    /// <summary>The files held for training, each let go once handed on, then the rest of the stream.</summary>
    private static IEnumerable<TarFile> Drain(Queue<TarFile> head, IEnumerator<TarFile> stream)
    {
        while (head.TryDequeue(out var file))
        {
            yield return file;
        }
        while (stream.MoveNext())
        {
            yield return stream.Current;
        }
    }

    /// <summary>
    /// Encodes each file read (null: not read) on every core, with its object's dictionary if it has
    /// one, and writes the records and the dictionaries (published first, so no record precedes its
    /// dictionary); the dictionaries are disposed at the end.
    /// </summary>
    private static async Task<(long Records, long Bytes, IReadOnlyList<string> Failed)> UploadAsync<T>(
        ServerAddress server,
        IEnumerable<T> files,
        Func<T, LocalObject?> read,
        PayloadCodec codec,
        (Dictionary<string, CompressionDictionary> Dictionaries, Dictionary<string, LineDeltaEncoder> Bases) trained,
        TimeSpan? ttl,
        Push.HistoryRetention history,
        CancellationToken cancellationToken)
    {
        var insertedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var dictionaries = trained.Dictionaries;

        UploadRecord? Encode(T file)
        {
            if (read(file) is not { } f)
            {
                return null;
            }
            var (effective, dictionary) = DictionaryTrainer.CodecFor(codec, dictionaries, f.Object);
            // Within the cap the reader applied (which may be above the encoder's default): never omitted again.
            byte[] Record(ObjectVersion v) => v.Content.Bytes is { } bytes
                ? RecordEncoder.EncodeSmaller(bytes, v.Stat, v.InsertedMs ?? insertedMs, effective, dictionary, trained.Bases.GetValueOrDefault(f.Object), sizeCap: long.MaxValue)
                : RecordEncoder.EncodeOmitted(v.Content.OverCap, v.Stat, v.InsertedMs ?? insertedMs);
            var latest = f.Versions.FirstOrDefault(v => v.InsertedMs is null);
            return new UploadRecord(ObjectKey.Make(f.Host, f.Object), latest is null ? null : Record(latest), [.. f.Versions.Where(v => v.InsertedMs is not null).Select(Record)]);
        }

        try
        {
            return await ParallelUploader.RunAsync(server, files, Encode, ttl, cancellationToken, dictionaries.Count == 0 ? null
                : db => DictionaryStore.PublishAllAsync(db, dictionaries, trained.Bases, DictionaryStore.LifeFor(ttl)),
                db => new Push.HistoryWriter(db, history, Lender(trained)));
        }
        finally
        {
            foreach (var d in dictionaries.Values)
            {
                d.Dispose();
            }
        }
    }

    /// <summary>What the history writer decodes this import's records with, and the records they replace where they name the same: its trained dictionaries and bases.</summary>
    internal static Action<CompressionDictionaries, RecordHeader> Lender((Dictionary<string, CompressionDictionary> Dictionaries, Dictionary<string, LineDeltaEncoder> Bases) trained)
    {
        var dictionaries = trained.Dictionaries.Values.ToDictionary(d => d.Id);
        var bases = trained.Bases.Values.Select(b => b.Base).DistinctBy(b => b.Id).ToDictionary(b => b.Id);
        return (set, header) =>
        {
            if (header.Codec == PayloadCodec.ZstdDictionary && dictionaries.TryGetValue(header.DictionaryId, out var dictionary))
            {
                set.TryAdd(dictionary.Id, dictionary.Bytes);
            }
            else if (header.Codec == PayloadCodec.LineDelta && bases.TryGetValue(header.DictionaryId, out var lineBase))
            {
                set.Bases.Add(lineBase);
            }
        };
    }

    /// <summary>One version of an object read from a file: its time (null: the latest, stored at the import's time).</summary>
    private sealed record ObjectVersion(Push.ObjectContent Content, FileStat Stat, long? InsertedMs);

    /// <summary>An object read: its versions with times oldest first, then the latest (if any).</summary>
    private sealed record LocalObject(string Host, string Object, IReadOnlyList<ObjectVersion> Versions);

    /// <summary>
    /// A file of a host's directory, what lstat says of it, and the object its path stands for
    /// (<see cref="ObjectPath.FromTreePath"/>); <see cref="VersionMs"/> is set for a file of a
    /// version directory (<see cref="VersionTree"/>), one of that object's versions.
    /// </summary>
    private sealed record TreeFile(string Host, string FullPath, string Relative, FileStatus Status, string? Object, string? Problem, long? VersionMs = null)
    {
        public static TreeFile Of(string host, string fullPath, string relative, FileStatus status)
        {
            if (VersionTree.TryParse(relative, out var objectPath, out var ms, out var badName))
            {
                var named = ObjectPath.FromTreePath(objectPath, out var why);
                return new TreeFile(host, fullPath, relative, status, badName is null ? named : null, badName ?? why, ms);
            }
            var name = ObjectPath.FromTreePath(relative, out var problem);
            return new TreeFile(host, fullPath, relative, status, name, problem);
        }

        /// <summary>The directory of this object's versions (for a version: the one it is in), full and relative to the host's directory.</summary>
        public (string Full, string Relative) VersionDirectory => VersionMs is null
            ? (FullPath + VersionTree.Suffix, Relative + VersionTree.Suffix)
            : (Path.GetDirectoryName(FullPath)!, Relative[..Relative.LastIndexOf('/')]);
    }

    /// <summary>
    /// The tree's files as objects: each file with the versions its version directory holds beside
    /// it, and a version directory whose file is gone as an object of its own. The walk yields a
    /// directory's files one after the other, so a version directory is met once, whole.
    /// </summary>
    private static IEnumerable<TreeFile[]> TreeObjects(IEnumerable<TreeFile> files)
    {
        string? lastDirectory = null;
        foreach (var f in files)
        {
            if (f.VersionMs is null)
            {
                yield return [.. VersionsIn(f.Host, f.VersionDirectory), f];
            }
            else if (f.VersionDirectory.Full != lastDirectory)
            {
                lastDirectory = f.VersionDirectory.Full;
                if (Statx.OfEntry(lastDirectory[..^VersionTree.Suffix.Length]) is null)
                {
                    yield return VersionsIn(f.Host, f.VersionDirectory);
                }
            }
        }
    }

    /// <summary>The versions a version directory holds (none when it is not a real directory), oldest first; a file whose name is no time is left to the walk, which names it.</summary>
    private static TreeFile[] VersionsIn(string host, (string Full, string Relative) directory)
    {
        if (Statx.OfEntry(directory.Full) is not { IsDirectory: true })
        {
            return [];
        }
        return [.. new DirectoryInfo(directory.Full).EnumerateFiles()
            .Select(e => Statx.OfEntry(e.FullName) is { } status ? TreeFile.Of(host, e.FullName, directory.Relative + "/" + e.Name, status) : null)
            .OfType<TreeFile>()
            .Where(v => v.Object is not null && v.VersionMs is not null)
            .OrderBy(v => v.VersionMs)];
    }

    /// <summary>
    /// Reads the tree's files by the import's rules, and keeps what it did not read: a symlink
    /// (followed only on request and only inside the tree), a FIFO, device or socket (never opened),
    /// a file it could not read.
    /// </summary>
    private sealed class TreeReader(string realRoot, ImportOptions options)
    {
        public ConcurrentQueue<string> Skipped { get; } = new();

        public ConcurrentQueue<string> LinksNotFollowed { get; } = new();

        public ConcurrentQueue<string> NotRegular { get; } = new();

        /// <summary>Whether the file is read at all (its target is only known when it is).</summary>
        public bool MayRead(TreeFile f) => f.Status.IsRegular || (f.Status.IsSymlink && options.FollowSymlinks);

        /// <summary>An object's files read, oldest version first; null when none was (each not read is kept).</summary>
        public LocalObject? Read(TreeFile[] files)
        {
            var versions = files.Select(f => Read(f) is { } read ? new ObjectVersion(read.Content!, read.Stat, f.VersionMs) : null).OfType<ObjectVersion>().ToArray();
            return versions.Length == 0 ? null : new LocalObject(files[0].Host, files[^1].Object!, versions);
        }

        /// <summary>The file's contents and stat; null, and kept, when it is not read.</summary>
        public LocalRead? Read(TreeFile f)
        {
            try
            {
                var read = ReadOnce(f);
                if (read.NotRead is not { } why)
                {
                    return read;
                }
                (f.Status.IsSymlink ? LinksNotFollowed : NotRegular).Enqueue($"{f.FullPath}: {why}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Skipped.Enqueue($"{f.FullPath}: {e.Message}");
            }
            return null;
        }

        /// <summary>A dictionary sample: the file's contents within the cap, or null (what it does not read is told when the file is imported).</summary>
        public byte[]? Sample(TreeFile f)
        {
            try
            {
                return ReadOnce(f).Content?.Bytes;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        private LocalRead ReadOnce(TreeFile f)
        {
            if (!f.Status.IsSymlink)
            {
                return RegularFileReader.Read(new ResolvedPath($"{realRoot}/{f.Host}/{f.Relative}", f.Status, null), options.SizeCap);
            }
            if (!options.FollowSymlinks)
            {
                return LocalRead.Refused("a symlink, not followed");
            }
            var target = LinkResolver.Resolve(f.FullPath);
            return target.RealPath is { } real && !LinkResolver.IsInside(real, realRoot)
                ? LocalRead.Refused($"a symlink to {real}, outside the directory")
                : RegularFileReader.Read(target, options.SizeCap);
        }
    }

    private static void RefuseSensitive(IEnumerable<string> keys)
    {
        var sensitive = keys.Where(k => Push.SensitiveObjects.Default.Matches(ObjectKey.Split(k).Object)).ToList();
        if (sensitive.Count > 0)
        {
            throw Errors.SensitiveObjects(sensitive);
        }
    }
}
