using System.Text;
using SysopsFast.Grep;

namespace SysopsFast.Query;

/// <summary>
/// kv drift over time: for each host whose object changed, its key=value pairs then and now (the last
/// value of a repeated key, as kv counts it), and the hosts per (key, value then, value now) where
/// they differ. Memory grows with the distinct changes and the hosts sampled, within kv's bounds.
/// </summary>
internal sealed class KeyValueChangeTally(KeyGlob? glob, int sampleHosts)
{
    private readonly Dictionary<(string Key, string? Before, string? After), (long Count, HostSample? Hosts)> _changes = [];
    private readonly DistinctTableLimit _limit = new("kv");

    /// <summary>One host's object: its contents then (empty for a new object) and now.</summary>
    public void Add(string host, ReadOnlySpan<byte> before, ReadOnlySpan<byte> after, ReadOnlySpan<byte> recordKey)
    {
        var then = Pairs(before, recordKey);
        var now = Pairs(after, recordKey);
        foreach (var key in then.Keys.Union(now.Keys))
        {
            var (a, b) = (then.GetValueOrDefault(key), now.GetValueOrDefault(key));
            if (a == b)
            {
                continue;
            }
            if (!_changes.TryGetValue((key, a, b), out var tally))
            {
                _limit.Take(Encoding.UTF8.GetByteCount(key) + (a?.Length ?? 0) + (b?.Length ?? 0), recordKey);
                tally = (0, sampleHosts > 0 ? new HostSample(sampleHosts) : null);
            }
            tally.Hosts?.Offer(host);
            _changes[(key, a, b)] = (tally.Count + 1, tally.Hosts);
        }
    }

    /// <summary>The rows: by key (ordinal), most hosts first, then by value then and now (absent last).</summary>
    public IReadOnlyList<KeyValueChange> Rows() =>
        _changes.Select(c => new KeyValueChange(c.Key.Key, c.Key.Before, c.Key.After, c.Value.Count, c.Value.Hosts?.Hosts ?? []))
            .OrderBy(r => r.Key, StringComparer.Ordinal)
            .ThenByDescending(r => r.Count)
            .ThenBy(r => r.Before is null).ThenBy(r => r.Before, StringComparer.Ordinal)
            .ThenBy(r => r.After is null).ThenBy(r => r.After, StringComparer.Ordinal)
            .ToArray();

    /// <summary>An object's pairs matching the glob, keys after a section as <c>section.key</c>, each key's last value.</summary>
    private Dictionary<string, string?> Pairs(ReadOnlySpan<byte> contents, ReadOnlySpan<byte> recordKey)
    {
        var pairs = new Dictionary<string, string?>(StringComparer.Ordinal);
        var reader = new KeyValueReader(contents);
        while (reader.Next(out var name, out var value))
        {
            byte[] key = reader.Section.IsEmpty ? [.. name] : [.. reader.Section, (byte)'.', .. name];
            _limit.CheckLength(key.Length, "key", recordKey);
            if (glob is null || glob.IsMatch(key))
            {
                _limit.CheckLength(value.Length, "value", recordKey);
                pairs[Encoding.UTF8.GetString(key)] = Encoding.UTF8.GetString(value);
            }
        }
        return pairs;
    }
}
