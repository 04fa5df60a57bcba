using System.Diagnostics;
using SysopsFast.Format;
using SysopsFast.Redis;

namespace SysopsFast.Fleet;

/// <summary>What <c>fleet generate</c> did.</summary>
public sealed record GenerateResult(int Hosts, long Objects, long RawBytes, long StoredBytes, TimeSpan Elapsed);

/// <summary>Writes a <see cref="SyntheticFleet"/> into one server: contents built and encoded on every core, SETs pipelined.</summary>
public static class FleetGenerator
{
    public static async Task<GenerateResult> GenerateAsync(
        SyntheticFleet fleet,
        ServerAddress server,
        PayloadCodec codec,
        TimeSpan? ttl,
        bool plain,
        CancellationToken cancellationToken,
        FleetShard? shard = null)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(server);
        var clock = Stopwatch.StartNew();
        var insertedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long rawBytes = 0;
        // One TextBuffer per thread: contents are built without strings and encoded straight from it.
        var text = new ThreadLocal<TextBuffer>(() => new TextBuffer());
        // Codec ZstdDictionary: one dictionary per object, trained on the first hosts' contents and
        // stored before any record that needs it.
        var dictionaries = codec == PayloadCodec.ZstdDictionary && !plain ? TrainDictionaries(fleet, shard) : null;
        var objects = fleet.HostIndices(shard).SelectMany(h => Enumerable.Range(0, SyntheticFleet.ObjectNames.Length).Select(o => (Host: h, Object: o)));

        (string, byte[])? Encode((int Host, int Object) item)
        {
            var b = text.Value!;
            fleet.Write(item.Host, item.Object, b);
            Interlocked.Add(ref rawBytes, b.Length);
            var isFile = SyntheticFleet.ObjectNames[item.Object].StartsWith('/');
            var value = plain
                ? b.Span.ToArray()
                : RecordEncoder.Encode(b.Span, new FileStat(isFile ? 0x81A4u : 0u, 0, 0, isFile ? b.Length : 0, insertedMs / 1000), insertedMs, codec, dictionary: dictionaries?[item.Object]);
            return (ObjectKey.Make(SyntheticFleet.HostName(item.Host), SyntheticFleet.ObjectNames[item.Object]), value);
        }

        (long Records, long Bytes) written;
        try
        {
            written = await ParallelUploader.RunAsync(server, objects, Encode, ttl, cancellationToken, dictionaries is null ? null
                : db => Task.WhenAll(dictionaries.Select(d => Redis.KeyCatalog.StoreDictionaryAsync(db, d, ttl))));
        }
        finally
        {
            text.Dispose();
            foreach (var d in dictionaries ?? [])
            {
                d.Dispose();
            }
        }
        return new GenerateResult(fleet.HostIndices(shard).Count(), written.Records, rawBytes, written.Bytes, clock.Elapsed);
    }

    /// <summary>Samples per object for dictionary training: enough for zstd's trainer, cheap to build.</summary>
    private const int DictionarySamples = 100;

    private static CompressionDictionary[] TrainDictionaries(SyntheticFleet fleet, FleetShard? shard)
    {
        var hosts = fleet.HostIndices(shard).Take(DictionarySamples).ToArray();
        return Enumerable.Range(0, SyntheticFleet.ObjectNames.Length).AsParallel().AsOrdered().Select(o =>
        {
            var b = new TextBuffer();
            return CompressionDictionary.Train(hosts.Select(h =>
            {
                fleet.Write(h, o, b);
                return b.Span.ToArray();
            }).ToArray());
        }).ToArray();
    }
}
