using System.Diagnostics;
using SysopsFast.Format;
using SysopsFast.Redis;

namespace SysopsFast.Fleet;

public sealed record ImportResult(int Hosts, long Objects, long StoredBytes, IReadOnlyList<string> Skipped, TimeSpan Elapsed);

/// <summary>
/// <c>import DIR</c>: <c>DIR/&lt;host&gt;/&lt;relative path&gt;</c> becomes the key
/// <c>&lt;host&gt;#/&lt;relative path&gt;</c>, the reverse of <see cref="FleetDumper"/>.
/// </summary>
public static class FleetImporter
{
    public static async Task<ImportResult> ImportAsync(string directory, ServerAddress server, PayloadCodec codec, TimeSpan? ttl, CancellationToken cancellationToken)
    {
        if (codec == PayloadCodec.ZstdDictionary)
        {
            throw Errors.BadArgument("import does not train dictionaries yet; use --codec lz4 (the default), zstd or none");
        }
        if (!Directory.Exists(directory))
        {
            throw Errors.NotADirectory(directory);
        }
        var clock = Stopwatch.StartNew();
        var hosts = new DirectoryInfo(directory).EnumerateDirectories().Where(d => d.LinkTarget is null).OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
        var skipped = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var insertedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var files = hosts.SelectMany(h => LocalObjects.Files(h.FullName).Select(f => (Host: h.Name, f.FullPath, f.Relative)));

        (string, byte[])? Encode((string Host, string FullPath, string Relative) f)
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
            var record = RecordEncoder.Encode(content, LocalObjects.StatOf(f.FullPath), insertedMs, codec);
            return (ObjectKey.Make(f.Host, "/" + f.Relative), record);
        }

        var written = await ParallelUploader.RunAsync(server, files, Encode, ttl, cancellationToken);
        return new ImportResult(hosts.Count, written.Records, written.Bytes, skipped.ToArray(), clock.Elapsed);
    }
}
