using System.Globalization;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;

namespace SysopsFast.Push;

/// <summary>
/// One object of this host, ready to push: its contents, encoded for each server by the push (LZ4,
/// or zstd with the dictionary that server names current for the object); or, over the size cap,
/// only what its header says of them (<see cref="ContentReader"/>).
/// </summary>
public sealed class PushObject
{
    private readonly ContentSummary? _overCap;

    /// <summary>An object within the size cap (whatever it is: the reader applied it).</summary>
    public PushObject(string name, ReadOnlyMemory<byte> contents, FileStat stat, long insertedUnixMs)
    {
        Name = name;
        Contents = contents;
        Stat = stat;
        InsertedUnixMs = insertedUnixMs;
        Md5 = RecordEncoder.Md5Of(contents.Span);
    }

    private PushObject(string name, ContentSummary overCap, FileStat stat, long insertedUnixMs)
    {
        Name = name;
        _overCap = overCap;
        Stat = stat;
        InsertedUnixMs = insertedUnixMs;
        Md5 = overCap.Md5;
    }

    /// <summary>The object <paramref name="content"/> was read as: its bytes, or the summary of contents over the cap.</summary>
    public static PushObject Of(string name, ObjectContent content, FileStat stat, long insertedUnixMs) =>
        content.Bytes is { } bytes ? new(name, bytes, stat, insertedUnixMs) : new(name, content.OverCap, stat, insertedUnixMs);

    /// <summary>The object's name (<c>/etc/passwd</c>, <c>cmd/sysctl-a</c>).</summary>
    public string Name { get; }

    /// <summary>The contents; empty when <see cref="Omitted"/>.</summary>
    public ReadOnlyMemory<byte> Contents { get; }

    /// <summary>The file's stat (<see cref="FileStat.None"/> for a command's output).</summary>
    public FileStat Stat { get; }

    /// <summary>When it was read, in Unix milliseconds.</summary>
    public long InsertedUnixMs { get; }

    /// <summary>The MD5 of its contents: unchanged contents are not written again.</summary>
    public UInt128 Md5 { get; }

    /// <summary>Over the size cap: stored without its contents, so no dictionary applies.</summary>
    public bool Omitted => _overCap is not null;

    /// <summary>The contents' length, also when they are <see cref="Omitted"/>.</summary>
    public long Length => _overCap?.Length ?? Contents.Length;

    /// <summary>The record: zstd with <paramref name="dictionary"/>, or LZ4 without one; header only when <see cref="Omitted"/>.</summary>
    public byte[] Encode(CompressionDictionary? dictionary) => Encode(dictionary, null);

    /// <summary>As <see cref="Encode(CompressionDictionary?)"/>, or the delta against <paramref name="lineBase"/>'s base where that is smaller.</summary>
    internal byte[] Encode(CompressionDictionary? dictionary, LineDeltaEncoder? lineBase) => _overCap is { } summary
        ? RecordEncoder.EncodeOmitted(summary, Stat, InsertedUnixMs)
        // Within the cap the reader applied (which may be above the encoder's default): never omitted again.
        : RecordEncoder.Smaller(
            RecordEncoder.Encode(Contents.Span, Stat, InsertedUnixMs, dictionary is null ? PayloadCodec.Lz4 : PayloadCodec.ZstdDictionary, dictionary: dictionary, sizeCap: long.MaxValue),
            Contents.Span, Stat, InsertedUnixMs, lineBase);
}

/// <summary>A directory's objects, the names left out as sensitive (never read), and the files not read with the reason (a FIFO, a magic link).</summary>
public sealed record PushCollection(IReadOnlyList<PushObject> Objects, IReadOnlyList<string> Sensitive, IReadOnlyList<string> NotRead);

/// <summary>What one server did with a push.</summary>
public sealed record PushOutcome(string Server, int Written, int Unchanged, string? Error)
{
    /// <summary>The server took the push.</summary>
    public bool Succeeded => Error is null;

    /// <summary>Bytes of the records written (SET).</summary>
    public long BytesWritten { get; init; }

    /// <summary>Objects stored on this server compressed with a dictionary (written or unchanged).</summary>
    public int WithDictionary { get; init; }

    /// <summary>Why no dictionary was used on this server at all, when it refused them (else null).</summary>
    public string? Note { get; init; }

    /// <summary>One line for the run's report.</summary>
    public override string ToString() => Error is null
        ? string.Create(CultureInfo.InvariantCulture, $"{Server}: ok, {Written} written, {Unchanged} unchanged (expiry refreshed), {WithDictionary} with a dictionary{(Note is null ? "" : "; " + Note)}")
        : $"{Server}: FAILED: {Error}";
}

/// <summary>
/// <c>push</c>: this host's objects to every server given, in parallel, each with its own
/// timeout (<see cref="ServerPush"/>). Each object is compressed with the dictionary the server
/// names current for it, or LZ4 (docs/FORMAT.md, "Compression dictionaries"). An unchanged object
/// (same contents, same dictionary) only gets its expiry refreshed; otherwise one SET replaces the
/// whole record, so a reader sees the old record or the new one.
/// </summary>
public static class PushAgent
{
    /// <summary>
    /// Objects from <paramref name="directory"/>: a regular file is a command output dropped there
    /// (<c>cmd/&lt;relative path&gt;</c>); a symlink to a file shares that file under its real path
    /// (a link to /etc/passwd pushes <c>/etc/passwd</c>).
    /// </summary>
    public static IReadOnlyList<PushObject> CollectDirectory(string directory, long insertedUnixMs) =>
        Collect(directory, insertedUnixMs).Objects;

    /// <summary>
    /// <see cref="CollectDirectory"/>, leaving out (and not reading) the objects that
    /// <paramref name="sensitive"/> (default: <see cref="SensitiveObjects.Default"/>) names, by
    /// their name and by their real path, every link on the way resolved; a link through a magic
    /// link of /proc, and anything but a regular file (a FIFO, /dev/zero), is left out with the
    /// reason, never opened; a file over <paramref name="sizeCap"/> bytes is pushed as a record that
    /// says so (<see cref="ContentReader"/>).
    /// </summary>
    public static PushCollection Collect(string directory, long insertedUnixMs, SensitiveObjects? sensitive = null, long sizeCap = RecordEncoder.DefaultSizeCap)
    {
        if (!Directory.Exists(directory))
        {
            throw Errors.BadArgument($"'{directory}' is not a directory; give the directory of outgoing objects", ErrorRemedy.PushDirectory);
        }
        sensitive ??= SensitiveObjects.Default;
        var objects = new List<PushObject>();
        var left = new List<string>();
        var notRead = new List<string>();
        try
        {
            var realDirectory = LinkResolver.Resolve(directory).RealPath ?? directory;
            foreach (var (fullPath, relative, status) in LocalObjects.Files(directory))
            {
                var isLink = status.IsSymlink;
                var target = isLink ? LinkResolver.Resolve(fullPath) : new ResolvedPath($"{realDirectory}/{relative}", status, null);
                // A shared file is named by its real path, a dropped one is a command output; the deny-list sees both names.
                var name = isLink ? target.RealPath : "cmd/" + relative;
                if (target.RealPath is { } real && (sensitive.Matches(name!) || sensitive.Matches(real)))
                {
                    left.Add(name!);
                    continue;
                }
                var read = RegularFileReader.Read(target, sizeCap);
                if (read.NotRead is { } why)
                {
                    notRead.Add(isLink && name is not null ? $"'{fullPath}' (a link to {name}) {why}" : $"'{fullPath}' {why}");
                    continue;
                }
                objects.Add(PushObject.Of(name!, read.Content!, isLink ? read.Stat : FileStat.None, insertedUnixMs));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Errors.BadArgument($"cannot read {e.Message}; fix its permissions or remove it from {directory}");
        }
        return new PushCollection(objects, left, notRead);
    }

    /// <param name="connections">
    /// Connections the caller keeps (a load generator pushes many simulated hosts through a few);
    /// null: this push connects, and disconnects when done, as one push run does.
    /// </param>
    /// <param name="dictionaries">
    /// Where dictionaries fetched from the servers are kept for the next push (a host's cache
    /// directory; one cache shared by the simulated hosts of a load generator); null: this push's
    /// own, in memory.
    /// </param>
    /// <param name="hostname">The host the objects are of (the keys' host part).</param>
    /// <param name="objects">What to push.</param>
    /// <param name="servers">Every server to write to, in parallel.</param>
    /// <param name="ttl">Expiry of the records; null for none.</param>
    /// <param name="timeout">How long each server may take for the whole push.</param>
    /// <param name="cancellationToken">Stops every server's push.</param>
    /// <param name="ledger">What earlier pushes wrote, to skip unchanged objects; null to compare with the servers only.</param>
    /// <param name="history">The versions each changed object keeps; null: <see cref="HistoryRetention.Default"/>.</param>
    public static async Task<IReadOnlyList<PushOutcome>> PushAsync(
        string hostname,
        IReadOnlyList<PushObject> objects,
        IReadOnlyList<ServerAddress> servers,
        TimeSpan? ttl,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        PushLedger? ledger = null,
        RedisConnections? connections = null,
        DictionaryCache? dictionaries = null,
        HistoryRetention? history = null)
    {
        if (!ObjectKey.IsHostName(hostname))
        {
            throw Errors.BadHostName(hostname);
        }
        RedisConnections.CheckCredentials(servers);
        await using var owned = connections is null ? new RedisConnections() : null;
        using var ownedCache = dictionaries is null ? DictionaryCache.InMemory() : null;
        var push = new PushRecords(hostname, objects, ttl, ledger ?? PushLedger.None, dictionaries ?? ownedCache!, history ?? HistoryRetention.Default);
        return await Task.WhenAll(servers.Distinct().Select(s => new ServerPush(push, s).RunAsync(connections ?? owned!, timeout, cancellationToken)));
    }
}
