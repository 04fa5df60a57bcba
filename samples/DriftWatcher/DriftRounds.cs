using SysopsFast.Query;

namespace DriftWatcher;

/// <summary>
/// What one round of the drift query says: the first round lists every drifting key, later rounds
/// only the keys that started drifting, changed values or counts, or no longer drift.
/// </summary>
internal sealed class DriftRounds
{
    private Dictionary<string, KeyValueRow>? _last;

    public IEnumerable<string> Next(int round, DateTimeOffset at, QueryListing<KeyValueRow> drift)
    {
        var now = drift.Items.ToDictionary(r => r.Key, StringComparer.Ordinal);
        var lines = _last is null
            ? now.Values.Select(r => $"  drifts  {Describe(r)}").ToList()
            : Changes(_last, now).ToList();
        _last = now;
        var said = round == 1 ? $"{now.Count} drifting" : $"{lines.Count} changed, {now.Count} drifting";
        return lines.Prepend($"round {round} at {at:HH:mm:ss} ({drift.Summary.RecordsRead} records read): {said}");
    }

    private static IEnumerable<string> Changes(Dictionary<string, KeyValueRow> before, Dictionary<string, KeyValueRow> now)
    {
        foreach (var (key, row) in now.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            if (!before.TryGetValue(key, out var was))
            {
                yield return $"  new     {Describe(row)}";
            }
            else if (!was.Equals(row))
            {
                yield return $"  changed {Describe(row)}  (was {Values(was)})";
            }
        }
        foreach (var key in before.Keys.Where(k => !now.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            yield return $"  settled {key}";
        }
    }

    private static string Describe(KeyValueRow row) => $"{row.Key}: {Values(row)}";

    /// <summary><c>128 on 2 (web1, web2); 4096 on 1 (web3)</c>: each value, its count and the hosts sampled.</summary>
    private static string Values(KeyValueRow row) => string.Join("; ", row.Values.Select(v =>
        $"{v.Value ?? "(absent)"} on {v.Count}" + (v.Hosts.Count > 0 ? $" ({string.Join(", ", v.Hosts)})" : "")));
}
