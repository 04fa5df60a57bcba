namespace SysopsFast.DeltaStudy;

/// <summary>
/// The base of one object: a real host's contents (the medoid of a sample: the one the others
/// encode smallest against), its lines, and a class per line (equal lines share one) for the diff.
/// </summary>
internal sealed class ObjectBase
{
    private readonly Dictionary<ulong, int> _classOf = [];

    public ObjectBase(byte[] text)
    {
        Lines = Lines.Of(text);
        var hashes = Lines.Hashes();
        Classes = new int[hashes.Length];
        for (var i = 0; i < hashes.Length; i++)
        {
            Classes[i] = _classOf.TryGetValue(hashes[i], out var c) ? c : _classOf[hashes[i]] = i;
        }
    }

    public Lines Lines { get; }

    public int[] Classes { get; }

    /// <summary>Host lines in the base get its class; others a class of their own (they never match a base line).</summary>
    public int[] ClassesOf(Lines host)
    {
        var hashes = host.Hashes();
        var classes = new int[hashes.Length];
        for (var j = 0; j < hashes.Length; j++)
        {
            classes[j] = _classOf.TryGetValue(hashes[j], out var c) ? c : Classes.Length + j;
        }
        return classes;
    }

    /// <summary>The sample whose encoding (<see cref="DeltaForm.Tails"/>) of every other sample is smallest in total.</summary>
    public static (ObjectBase Base, int SampleIndex) Medoid(IReadOnlyList<byte[]> samples, int candidates)
    {
        var lines = samples.Select(Lines.Of).ToArray();
        var best = (Cost: long.MaxValue, Index: 0, Base: (ObjectBase?)null);
        foreach (var c in Enumerable.Range(0, Math.Min(candidates, samples.Count)))
        {
            var b = new ObjectBase(samples[c]);
            long cost = lines.Sum(l => (long)DeltaFormat.Encode(b, l, DeltaForm.Tails, null).Length);
            if (cost < best.Cost)
            {
                best = (cost, c, b);
            }
        }
        return (best.Base!, best.Index);
    }
}
