using System.Collections.Concurrent;

namespace SysopsFast.Redis;

/// <summary>
/// Sets of 128-bit hashes lent to key discovery (<see cref="KeyCatalogProducer"/> drops the members
/// ZSCAN repeats with one): a set of the fleet's hosts is a few hundred kilobytes grown anew on every
/// query, so a long-lived process keeps a few, emptied, for the next. Bounded: at most
/// <see cref="Kept"/> sets, none of more than <see cref="MaxEntries"/> entries.
/// </summary>
internal static class HashSetPool
{
    private const int Kept = 8;
    private const int MaxEntries = 1 << 17;
    private static readonly ConcurrentBag<HashSet<UInt128>> Spare = [];

    /// <summary>An empty set, used before or new.</summary>
    public static HashSet<UInt128> Rent() => Spare.TryTake(out var set) ? set : [];

    /// <summary>Gives the set back (the caller no longer uses it); one too large, or past the bound, is left to the GC.</summary>
    public static void Return(HashSet<UInt128> set)
    {
        if (set.Count > MaxEntries || Spare.Count >= Kept)
        {
            return;
        }
        set.Clear();
        Spare.Add(set);
    }
}
