using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Pipeline;

namespace SysopsFast.Query;

/// <summary>
/// One core's keys, each with what every server of the core holds under it (nothing, an md5, or a
/// corrupt header) and a fingerprint of its history (<see cref="ReplicaHistories"/>), filled from the
/// servers' reads and compared at the end. Memory: the key once, plus 32 bytes a server
/// (<see cref="Slot"/>), ~110 bytes of overhead a key; the reasons of corrupt copies are kept apart
/// (they are rare).
/// </summary>
internal sealed class ReplicaKeyTable(int servers)
{
    private readonly Dictionary<byte[], Slot[]> _keys = new(ByteSequenceComparer.Instance);
    /// <summary>By the table's own key arrays (compared by reference: each key has one).</summary>
    private readonly Dictionary<(byte[] Key, int Server), string> _corrupt = [];
    private readonly Lock _lock = new();

    private enum SlotState : byte
    {
        Absent,
        Present,
        Corrupt,
    }

    /// <summary>What one server holds under a key: 16 bytes of md5, its history's fingerprint and a state, 32 bytes in the array.</summary>
    private struct Slot
    {
        public ulong Md5High;
        public ulong Md5Low;
        public ulong History;
        public SlotState State;
        /// <summary>An entry of its history cannot be read.</summary>
        public bool HistoryCorrupt;
    }

    /// <summary>The keys server <paramref name="server"/> holds a readable record of (the table's own arrays).</summary>
    public byte[][] KeysOn(int server)
    {
        lock (_lock)
        {
            return [.. _keys.Where(k => k.Value[server].State == SlotState.Present).Select(k => k.Key)];
        }
    }

    /// <summary>The fingerprint of <paramref name="key"/>'s history on <paramref name="server"/> (null: an entry is corrupt).</summary>
    public void History(int server, byte[] key, ulong? fingerprint)
    {
        lock (_lock)
        {
            ref var slot = ref _keys[key][server];
            slot.History = fingerprint ?? 0;
            slot.HistoryCorrupt = fingerprint is null;
        }
    }

    /// <summary>The processors that fill the column of server <paramref name="server"/> (an index into the compared servers).</summary>
    public IRecordProcessorFactory Collector(int server) => new ServerColumn(this, server);

    public void Present(int server, ReadOnlySpan<byte> key, UInt128 md5)
    {
        lock (_lock)
        {
            ref var slot = ref SlotOf(key, server, out _);
            slot.Md5High = (ulong)(md5 >> 64);
            slot.Md5Low = (ulong)md5;
            slot.State = SlotState.Present;
        }
    }

    public void Corrupt(int server, ReadOnlySpan<byte> key, string reason)
    {
        lock (_lock)
        {
            ref var slot = ref SlotOf(key, server, out var stored);
            slot.State = SlotState.Corrupt;
            _corrupt[(stored, server)] = reason;
        }
    }

    private ref Slot SlotOf(ReadOnlySpan<byte> key, int server, out byte[] stored)
    {
        var lookup = _keys.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (!lookup.TryGetValue(key, out stored!, out var slots))
        {
            stored = key.ToArray();
            slots = new Slot[servers];
            _keys.Add(stored, slots);
        }
        return ref slots[server];
    }

    /// <summary>
    /// The problems among <paramref name="compared"/> (indexes of the columns to look at, named by
    /// <paramref name="names"/>), sorted by key then problem; <paramref name="keys"/> counts the keys
    /// some compared server has; <paramref name="historyDrift"/> lists the keys whose copies agree but
    /// whose histories do not, with the servers holding them. Columns not compared (a server that
    /// failed) are ignored.
    /// </summary>
    public List<ReplicaDriftRow> Compare(string core, IReadOnlyList<string> names, IReadOnlyList<int> compared, out long keys, out List<(byte[] Key, int[] Holders)> historyDrift)
    {
        var rows = new List<ReplicaDriftRow>();
        historyDrift = [];
        keys = 0;
        lock (_lock)
        {
            var missing = new List<ReplicaCopy>();
            var holders = new List<int>();
            foreach (var (key, slots) in _keys)
            {
                missing.Clear();
                holders.Clear();
                foreach (var i in compared)
                {
                    if (slots[i].State == SlotState.Absent)
                    {
                        missing.Add(new ReplicaCopy(names[i]));
                    }
                    else
                    {
                        holders.Add(i);
                    }
                }
                if (holders.Count == 0)
                {
                    continue; // only a server left out saw it
                }
                keys++;
                var display = ObjectKey.Display(key);
                if (missing.Count > 0)
                {
                    rows.Add(new ReplicaDriftRow(core, display, ReplicaProblem.Missing, missing.ToArray()) { KeyBytes = key });
                }
                if (Differs(slots, holders))
                {
                    var copies = holders.Select(i => slots[i].State == SlotState.Corrupt
                        ? new ReplicaCopy(names[i], Corrupt: _corrupt[(key, i)])
                        : new ReplicaCopy(names[i], Md5Hex: (((UInt128)slots[i].Md5High << 64) | slots[i].Md5Low).ToString("x32", System.Globalization.CultureInfo.InvariantCulture)));
                    rows.Add(new ReplicaDriftRow(core, display, ReplicaProblem.Different, copies.ToArray()) { KeyBytes = key });
                }
                else if (HistoriesDiffer(slots, holders))
                {
                    historyDrift.Add((key, holders.ToArray()));
                }
            }
        }
        Sort(rows);
        return rows;
    }

    /// <summary>Rows by key, then problem.</summary>
    public static void Sort(List<ReplicaDriftRow> rows) =>
        rows.Sort(static (a, b) =>
        {
            var byKey = string.CompareOrdinal(a.Key, b.Key);
            return byKey != 0 ? byKey : a.Problem.CompareTo(b.Problem);
        });

    /// <summary>A corrupt copy cannot be shown to agree; otherwise the md5s must all be the first's.</summary>
    private static bool Differs(Slot[] slots, List<int> holders)
    {
        var first = slots[holders[0]];
        foreach (var i in holders)
        {
            var s = slots[i];
            if (s.State == SlotState.Corrupt || s.Md5High != first.Md5High || s.Md5Low != first.Md5Low)
            {
                return true;
            }
        }
        return false;
    }

    private static bool HistoriesDiffer(Slot[] slots, List<int> holders) =>
        holders.Any(i => slots[i].HistoryCorrupt || slots[i].History != slots[holders[0]].History);

    /// <summary>Every worker of one server's read writes into the shared table (under its lock): no per-worker copies to merge.</summary>
    private sealed class ServerColumn(ReplicaKeyTable table, int server) : IRecordProcessorFactory, IRecordProcessor
    {
        public IRecordProcessor CreateForWorker() => this;

        public void Complete(IReadOnlyList<IRecordProcessor> processors)
        {
        }

        public bool Process(ReadOnlySpan<byte> key, in RecordHeader header, ReadOnlySpan<byte> content)
        {
            table.Present(server, key, header.Md5);
            return true;
        }

        public void Corrupt(ReadOnlySpan<byte> key, string reason) => table.Corrupt(server, key, reason);
    }
}
