namespace SysopsFast.Query;

/// <summary>
/// Key=value drift (<c>kv</c>): for each key of the matching objects, its distinct values and how
/// many records hold each. Lines are read by <see cref="KeyValueParser"/>.
/// </summary>
/// <param name="ObjectPattern">Objects to read, as for grep (<c>sysctl-a</c>, <c>web*#/etc/sysctl.conf</c>).</param>
public sealed record KeyValueRequest(string ObjectPattern)
{
    /// <summary><see cref="SampleHosts"/>: every host of every value.</summary>
    public const int AllHosts = int.MaxValue;

    /// <summary>Only keys matching this shell glob (<see cref="Query.KeyGlob"/>); null for every key.</summary>
    public string? KeyGlob { get; init; }

    /// <summary>Hosts named per value, the first in ordinal order; 0 for none, <see cref="AllHosts"/> for all.</summary>
    public int SampleHosts { get; init; }

    /// <summary>Only the keys that drift (<see cref="KeyValueRow.Drifts"/>).</summary>
    public bool OnlyDrift { get; init; }
}

/// <summary>
/// One key and its values, most frequent first (ties by value, ordinal). Records that hold the
/// object but not the key are one more value, <see cref="KeyValueCount.IsAbsent"/>.
/// </summary>
public sealed record KeyValueRow(string Key, IReadOnlyList<KeyValueCount> Values)
{
    /// <summary>The fleet disagrees: two or more values, or the key is missing from some records.</summary>
    public bool Drifts => Values.Count > 1;

    /// <summary>Equal when the key and every value are (the lists compared element by element).</summary>
    public bool Equals(KeyValueRow? other) =>
        other is not null && Key == other.Key && Values.SequenceEqual(other.Values);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Key, Values.Count);
}

/// <summary>
/// One value of a key: the records (one per host for an object pattern that names one object) that
/// hold it, and the sample of their hosts asked for.
/// </summary>
/// <param name="Value">The value as written (trimmed), or null for "the key is absent".</param>
/// <param name="Count">Records that hold this value.</param>
/// <param name="Hosts">The sample of their hosts, as many as asked for.</param>
public sealed record KeyValueCount(string? Value, long Count, IReadOnlyList<string> Hosts)
{
    /// <summary>The value stands for the records that lack the key.</summary>
    public bool IsAbsent => Value is null;

    /// <summary>Equal when the value, the count and the hosts (in order) are.</summary>
    public bool Equals(KeyValueCount? other) =>
        other is not null && Value == other.Value && Count == other.Count && Hosts.SequenceEqual(other.Hosts);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Value, Count, Hosts.Count);
}
