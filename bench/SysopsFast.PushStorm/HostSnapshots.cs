using System.Globalization;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Push;

namespace SysopsFast.Storm;

/// <summary>One simulated host's objects for one push, as <c>push</c> would have collected them.</summary>
/// <param name="Md5s">The md5 of each object's contents, in <see cref="SyntheticFleet.ObjectNames"/> order.</param>
/// <param name="Changed">Objects whose contents differ from the round before.</param>
internal sealed record HostSnapshot(IReadOnlyList<PushObject> Objects, UInt128[] Md5s, long RawBytes, bool[] Changed);

/// <summary>
/// The objects of the synthetic fleet's hosts, round by round. Round 0 holds exactly what
/// <c>fleet generate</c> writes; from round 1 on, a seeded fraction of each round's objects has
/// changed since the round before: its contents are the generated ones plus a trailer line naming
/// the round of its last change (a comment, or a <c>key = value</c> line that kv reads). The trailer holds no headline text, so the headline answer never
/// changes. Objects are collected as <c>push</c> collects them (command outputs without stat); the
/// push encodes them (LZ4, or zstd with the server's current dictionary).
/// </summary>
internal sealed class HostSnapshots(SyntheticFleet fleet, double changedFraction, bool kvTrailer = false) : IDisposable
{
    private readonly ThreadLocal<TextBuffer> _text = new(() => new TextBuffer());

    public static int ObjectsPerHost => SyntheticFleet.ObjectNames.Length;

    public SyntheticFleet Fleet => fleet;

    /// <summary>Whether object <paramref name="objectIndex"/> of the host changes in <paramref name="round"/> (never in round 0).</summary>
    public bool ChangesIn(int host, int objectIndex, int round) =>
        round > 0 && SplitMix64.For(fleet.Seed, 0x5707 + (ulong)round, ((ulong)host * 16) + (ulong)objectIndex).NextDouble() < changedFraction;

    public HostSnapshot Build(int host, int round, long insertedUnixMs)
    {
        var text = _text.Value!;
        var objects = new PushObject[ObjectsPerHost];
        var md5s = new UInt128[ObjectsPerHost];
        var changed = new bool[ObjectsPerHost];
        long raw = 0;
        for (var o = 0; o < ObjectsPerHost; o++)
        {
            fleet.Write(host, o, text);
            if (LastChange(host, o, round) is > 0 and var last)
            {
                text.Add(kvTrailer
                    ? string.Create(CultureInfo.InvariantCulture, $"push-storm.changed = {last}\n")
                    : string.Create(CultureInfo.InvariantCulture, $"# push-storm: changed in round {last}\n"));
            }
            var name = SyntheticFleet.ObjectNames[o];
            // As push collects them: a command output has no stat; a file has its own (here the generator's).
            var stat = name.StartsWith('/') ? new FileStat(0x81A4u, 0, 0, text.Length, insertedUnixMs / 1000) : FileStat.None;
            objects[o] = new PushObject(name, text.Span.ToArray(), stat, insertedUnixMs);
            md5s[o] = objects[o].Md5;
            changed[o] = ChangesIn(host, o, round);
            raw += text.Length;
        }
        return new HostSnapshot(objects, md5s, raw, changed);
    }

    private int LastChange(int host, int objectIndex, int round)
    {
        for (var r = round; r > 0; r--)
        {
            if (ChangesIn(host, objectIndex, r))
            {
                return r;
            }
        }
        return 0;
    }

    public void Dispose() => _text.Dispose();
}
