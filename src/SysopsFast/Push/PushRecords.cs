using System.Collections.Concurrent;
using SysopsFast.Format;

namespace SysopsFast.Push;

/// <summary>
/// What one push sends, shared by its servers: the host's objects, each encoded once per dictionary
/// however many servers use that dictionary (servers of a core may name different ones).
/// </summary>
internal sealed class PushRecords(string hostname, IReadOnlyList<PushObject> objects, TimeSpan? ttl, PushLedger ledger, DictionaryCache dictionaries, HistoryRetention history)
{
    private readonly ConcurrentDictionary<(int Index, uint Dictionary, uint Base), Lazy<byte[]>> _encoded = new();

    public string Hostname => hostname;

    public IReadOnlyList<PushObject> Objects => objects;

    public TimeSpan? Ttl => ttl;

    public PushLedger Ledger => ledger;

    /// <summary>The versions each changed object keeps (<see cref="HistoryWriter"/>).</summary>
    public HistoryRetention History => history;

    public DictionaryCache Dictionaries => dictionaries;

    public string KeyOf(int index) => ObjectKey.Make(hostname, objects[index].Name);

    /// <summary>
    /// The record of object <paramref name="index"/> compressed with <paramref name="dictionary"/> (null: LZ4),
    /// or its delta against <paramref name="lineBase"/>'s base where that is smaller.
    /// </summary>
    public byte[] Encoded(int index, CompressionDictionary? dictionary, LineDeltaEncoder? lineBase = null) =>
        _encoded.GetOrAdd((index, dictionary?.Id ?? 0, lineBase?.Base.Id ?? 0), _ => new Lazy<byte[]>(() => objects[index].Encode(dictionary, lineBase))).Value;
}
