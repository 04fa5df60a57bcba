using System.Diagnostics;
using SysopsFast.Format;
using SysopsFast.Redis;

namespace SysopsFast.Fleet;

/// <summary>What <c>fleet generate</c> did.</summary>
public sealed record GenerateResult(int Hosts, long Objects, long RawBytes, long StoredBytes, TimeSpan Elapsed);

/// <summary>Writes a <see cref="SyntheticFleet"/> into one server: contents built and encoded on every core, SETs pipelined.</summary>
public static class FleetGenerator
{
    /// <summary>Writes every host of <paramref name="fleet"/> (or those of <paramref name="shard"/>) into <paramref name="server"/> as records (<paramref name="plain"/>: the raw contents, as a cache of something else would hold them), with <paramref name="ttl"/> on each key when given.</summary>
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
        // stored before any record that needs it. Codec LineDelta: the same, and a base per object
        // where it pays; each record is then the smaller of its delta and its dictionary record.
        Dictionary<string, CompressionDictionary>? dictionaries = null;
        Dictionary<string, LineDeltaEncoder> deltas = [];
        if (codec is PayloadCodec.ZstdDictionary or PayloadCodec.LineDelta && !plain)
        {
            (dictionaries, deltas) = DictionaryTrainer.TrainWithBases(fleet.HostIndices(shard).Take(DictionaryTrainer.SamplesPerObject).SelectMany(h => Enumerable.Range(0, SyntheticFleet.ObjectNames.Length).Select(o => (SyntheticFleet.ObjectNames[o], (Func<byte[]?>)(() => Contents(fleet, h, o))))), codec == PayloadCodec.LineDelta);
        }
        var objects = fleet.HostIndices(shard).SelectMany(h => Enumerable.Range(0, SyntheticFleet.ObjectNames.Length).Select(o => (Host: h, Object: o)));

        UploadRecord? Encode((int Host, int Object) item)
        {
            var b = text.Value!;
            fleet.Write(item.Host, item.Object, b);
            Interlocked.Add(ref rawBytes, b.Length);
            var isFile = SyntheticFleet.ObjectNames[item.Object].StartsWith('/');
            // An object of fewer hosts than a dictionary needs has none: its records are LZ4.
            var name = SyntheticFleet.ObjectNames[item.Object];
            var (effective, dictionary) = DictionaryTrainer.CodecFor(codec, dictionaries, name);
            var stat = new FileStat(isFile ? 0x81A4u : 0u, 0, 0, isFile ? b.Length : 0, insertedMs / 1000);
            var value = plain
                ? b.Span.ToArray()
                : RecordEncoder.EncodeSmaller(b.Span, stat, insertedMs, effective, dictionary, deltas.GetValueOrDefault(name));
            return new UploadRecord(ObjectKey.Make(SyntheticFleet.HostName(item.Host), SyntheticFleet.ObjectNames[item.Object]), value);
        }

        (long Records, long Bytes, IReadOnlyList<string> Failed) written;
        try
        {
            written = await ParallelUploader.RunAsync(server, objects, Encode, ttl, cancellationToken, dictionaries is null ? null
                : db => DictionaryStore.PublishAllAsync(db, dictionaries, deltas, DictionaryStore.LifeFor(ttl)));
        }
        finally
        {
            text.Dispose();
            foreach (var d in dictionaries?.Values ?? Enumerable.Empty<CompressionDictionary>())
            {
                d.Dispose();
            }
        }
        return new GenerateResult(fleet.HostIndices(shard).Count(), written.Records, rawBytes, written.Bytes, clock.Elapsed);
    }

    private static byte[] Contents(SyntheticFleet fleet, int host, int objectIndex)
    {
        var b = new TextBuffer();
        fleet.Write(host, objectIndex, b);
        return b.Span.ToArray();
    }
}
