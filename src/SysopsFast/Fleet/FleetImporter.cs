using System.Diagnostics;
using SysopsFast.Format;
using SysopsFast.Redis;

namespace SysopsFast.Fleet;

public sealed record ImportResult(int Hosts, long Objects, long StoredBytes, IReadOnlyList<string> Skipped, TimeSpan Elapsed);

/// <summary>
/// <c>import DIR</c>: <c>DIR/&lt;host&gt;/&lt;tree path&gt;</c> becomes the key
/// <c>&lt;host&gt;#&lt;object&gt;</c> (<see cref="ObjectPath.FromTreePath"/>: <c>etc/passwd</c> is
/// <c>/etc/passwd</c>, <c>#cmd/x</c> is <c>cmd/x</c>), the reverse of <see cref="FleetDumper"/>.
/// </summary>
public static class FleetImporter
{
    /// <param name="allowSensitive">Import objects that <see cref="Push.SensitiveObjects.Default"/> names (refused otherwise, before anything is written).</param>
    public static async Task<ImportResult> ImportAsync(string directory, ServerAddress server, PayloadCodec codec, TimeSpan? ttl, CancellationToken cancellationToken, bool allowSensitive = false)
    {
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
        var skipped = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var insertedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var tree = hosts.SelectMany(h => LocalObjects.Files(h.FullName).Select(f => TreeFile.Of(h.Name, f.FullPath, f.Relative)));
        foreach (var f in tree.Where(f => f.Object is null))
        {
            skipped.Enqueue($"{f.FullPath}: its path names no object ({f.Problem})");
        }
        var files = tree.Where(f => f.Object is not null);
        if (!allowSensitive)
        {
            RefuseSensitive(files.Select(f => ObjectKey.Make(f.Host, f.Object!)));
        }
        // Codec ZstdDictionary: a dictionary per object held by enough hosts, trained on the first
        // hosts' files; the other objects fall back to LZ4.
        var dictionaries = codec == PayloadCodec.ZstdDictionary
            ? DictionaryTrainer.Train(files.Select(f => (f.Object!, (Func<byte[]?>)(() => ReadOrNull(f.FullPath)))))
            : [];

        (string, byte[])? Encode(TreeFile f)
        {
            byte[] content;
            try
            {
                content = File.ReadAllBytes(f.FullPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                skipped.Enqueue($"{f.FullPath}: {e.Message}");
                return null;
            }
            var objectName = f.Object!;
            var (effective, dictionary) = DictionaryTrainer.CodecFor(codec, dictionaries, objectName);
            var record = RecordEncoder.Encode(content, LocalObjects.StatOf(f.FullPath), insertedMs, effective, dictionary: dictionary);
            return (ObjectKey.Make(f.Host, objectName), record);
        }

        try
        {
            var written = await ParallelUploader.RunAsync(server, files, Encode, ttl, cancellationToken, dictionaries.Count == 0 ? null
                : db => DictionaryStore.PublishAllAsync(db, dictionaries, DictionaryStore.LifeFor(ttl)));
            return new ImportResult(hosts.Count, written.Records, written.Bytes, skipped.ToArray(), clock.Elapsed);
        }
        finally
        {
            foreach (var d in dictionaries.Values)
            {
                d.Dispose();
            }
        }
    }

    /// <summary>A file of a host's directory, and the object its path stands for (<see cref="ObjectPath.FromTreePath"/>).</summary>
    private sealed record TreeFile(string Host, string FullPath, string? Object, string? Problem)
    {
        public static TreeFile Of(string host, string fullPath, string relative)
        {
            var name = ObjectPath.FromTreePath(relative, out var problem);
            return new TreeFile(host, fullPath, name, problem);
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

    private static byte[]? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // reported when the file is imported
        }
    }
}
