using SysopsFast.Fleet;
using SysopsFast.Format;

namespace SysopsFast.DeltaStudy;

/// <summary>
/// The keys and values a core would hold: every host's ten records, the dictionaries, and (delta
/// variants) the ten bases. A delta record is weighed as a header and its payload: today's
/// 120-byte header, or a hypothetical compact one (64 bytes, 92 with a file's stat: the doc's
/// layout); each host's object takes the smaller of that and today's record, as push would choose.
/// </summary>
internal static class StoredFleet
{
    /// <summary>What is stored; a hash per host is weighed under Redis's default encoding and with listpacks that take the records (CONFIG SET hash-max-listpack-value).</summary>
    public static readonly (string What, DeltaForm? Form, bool Compact, bool HashPerHost, int ListpackValue)[] Variants =
    [
        ("today (ZstdDictionary records + dictionaries)", null, false, false, 64),
        ("delta (b) or today's, the smaller, + bases + dictionaries", DeltaForm.Tails, false, false, 64),
        ("delta (c) or today's, the smaller, + bases + dictionaries", DeltaForm.PackedTails, false, false, 64),
        ("as (b), delta records with a compact header", DeltaForm.Tails, true, false, 64),
        ("as (c), delta records with a compact header", DeltaForm.PackedTails, true, false, 64),
        ("today's records, one hash per host (field = object)", null, false, true, 64),
        ("as (b) with a compact header, one hash per host", DeltaForm.Tails, true, true, 64),
        ("today's records, one hash per host, listpack values up to 64 KiB", null, false, true, 65536),
        ("as (b) with a compact header, one hash per host, listpack values up to 64 KiB", DeltaForm.Tails, true, true, 65536),
    ];

    public static int HeaderSize(string objectName, bool compact) => !compact ? RecordHeader.Size : objectName.StartsWith('/') ? 92 : 64;

    public static int Size(in HostForms host, DeltaForm? form, int headerSize = RecordHeader.Size) =>
        form is { } f ? Math.Min(host.Today.Length, headerSize + host.Deltas[(int)f].Length) : host.Today.Length;

    /// <summary>Each value under its key, or (<paramref name="hashPerHost"/>) as field = object of one hash per host.</summary>
    public static IEnumerable<(string Key, string? Field, byte[] Value)> Values(SyntheticFleet fleet, List<ObjectSizes> objects, Dictionary<string, CompressionDictionary> dictionaries, DeltaForm? form, bool compact, bool hashPerHost)
    {
        foreach (var d in dictionaries.Values)
        {
            yield return ($"#dict:{d.Id:x8}", null, d.Bytes);
        }
        for (var o = 0; o < objects.Count; o++)
        {
            if (form is not null)
            {
                // The base as a record of its own: header and raw contents (it is read once per query).
                yield return ($"#base:{o}", null, new byte[RecordHeader.Size + objects[o].Base.Lines.Text.Length]);
            }
            var headerSize = HeaderSize(objects[o].Name, compact);
            for (var h = 0; h < fleet.Hosts; h++)
            {
                var host = objects[o].Hosts[h];
                var delta = form is { } f && headerSize + host.Deltas[(int)f].Length < host.Today.Length;
                // The delta record's header is a zero placeholder of its size: the bytes Redis holds are what is weighed.
                var value = delta ? [.. new byte[headerSize], .. host.Deltas[(int)form!.Value]] : host.Today;
                var name = SyntheticFleet.HostName(h);
                yield return hashPerHost ? (name, objects[o].Name, value) : (ObjectKey.Make(name, objects[o].Name), null, value);
            }
        }
    }
}
