using System.Buffers;
using SysopsFast.Format;

namespace SysopsFast.Redis;

/// <summary>
/// The keys of a batch bound for one cluster node, in runs of one hash slot each (a cluster refuses
/// MGET across slots): one pooled <see cref="KeyPage"/> holding them run after run, and each run's
/// slot and end in pooled arrays, so regrouping a batch by slot allocates nothing per key. Owned by
/// whoever holds it; the part made of it (<see cref="ClusterMgetPart"/>) takes it over.
/// </summary>
internal sealed class SlotRuns : IDisposable
{
    private int[] _slots = ArrayPool<int>.Shared.Rent(16);
    private int[] _ends = ArrayPool<int>.Shared.Rent(16);

    private SlotRuns(ServerAddress node) => Node = node;

    /// <summary>The node the runs are read from.</summary>
    public ServerAddress Node { get; }

    public KeyPage Keys { get; } = new();

    /// <summary>Runs (slots).</summary>
    public int Count { get; private set; }

    /// <summary>Where each run ends in <see cref="Keys"/> (see <see cref="RespConnection.SendRunsAsync"/>).</summary>
    public ReadOnlySpan<int> Ends => _ends.AsSpan(0, Count);

    public int Slot(int run) => _slots[run];

    public int Start(int run) => run == 0 ? 0 : _ends[run - 1];

    public int End(int run) => _ends[run];

    /// <summary>A new page with copies of the keys of <paramref name="run"/>.</summary>
    public KeyPage Slice(int run) => Keys.Slice(Start(run), End(run) - Start(run));

    /// <summary>
    /// The keys of <paramref name="page"/> grouped by slot (sorted by it), each slot's run for the
    /// node <paramref name="reader"/> gives it: one <see cref="SlotRuns"/> per node.
    /// </summary>
    public static List<SlotRuns> Group(KeyPage page, Func<int, ServerAddress> reader)
    {
        var n = page.Count;
        var slots = ArrayPool<int>.Shared.Rent(Math.Max(1, n));
        var order = ArrayPool<int>.Shared.Rent(Math.Max(1, n));
        try
        {
            for (var i = 0; i < n; i++)
            {
                slots[i] = ClusterSlots.Of(page[i]);
                order[i] = i;
            }
            slots.AsSpan(0, n).Sort(order.AsSpan(0, n));
            var groups = new List<SlotRuns>(4);
            for (var start = 0; start < n;)
            {
                var end = start + 1;
                while (end < n && slots[end] == slots[start])
                {
                    end++;
                }
                For(groups, reader(slots[start])).Add(slots[start], page, order.AsSpan(start, end - start));
                start = end;
            }
            return groups;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(slots);
            ArrayPool<int>.Shared.Return(order);
        }
    }

    /// <summary>The group of <paramref name="node"/>, added when new (a batch has a few nodes: a list is searched).</summary>
    private static SlotRuns For(List<SlotRuns> groups, ServerAddress node)
    {
        foreach (var group in groups)
        {
            if (group.Node == node)
            {
                return group;
            }
        }
        var added = new SlotRuns(node);
        groups.Add(added);
        return added;
    }

    private void Add(int slot, KeyPage page, ReadOnlySpan<int> indices)
    {
        if (Count == _ends.Length)
        {
            _slots = Grown(_slots, Count);
            _ends = Grown(_ends, Count);
        }
        foreach (var i in indices)
        {
            Keys.Add(page[i]);
        }
        _slots[Count] = slot;
        _ends[Count++] = Keys.Count;
    }

    private static int[] Grown(int[] array, int used)
    {
        var grown = ArrayPool<int>.Shared.Rent(used * 2);
        array.AsSpan(0, used).CopyTo(grown);
        ArrayPool<int>.Shared.Return(array);
        return grown;
    }

    public void Dispose()
    {
        Keys.Dispose();
        if (_ends.Length > 0)
        {
            ArrayPool<int>.Shared.Return(_slots);
            ArrayPool<int>.Shared.Return(_ends);
            _slots = _ends = [];
            Count = 0;
        }
    }
}
