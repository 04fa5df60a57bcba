namespace SysopsFast.Push;

/// <summary>
/// How many versions of each object push and import keep, and for how long (docs/FORMAT.md,
/// "History"): the current one counts, so 1 keeps no history.
/// </summary>
/// <param name="Versions">Versions kept per key, the current one included (1 to <see cref="MaxVersions"/>).</param>
/// <param name="MaxAge">A version is kept while it was current at some time within this age.</param>
public sealed record HistoryRetention(int Versions, TimeSpan MaxAge)
{
    /// <summary>The most versions a key may keep: a list is read whole at every change.</summary>
    public const int MaxVersions = 1000;

    /// <summary>8 versions, 14 days.</summary>
    public static HistoryRetention Default { get; } = new(8, TimeSpan.FromDays(14));

    /// <summary>No history: a changed object still empties a list left from before.</summary>
    public bool Off => Versions <= 1;

    /// <summary>The retention of <paramref name="versions"/> (text, e.g. from agent.toml) and <paramref name="maxAge"/> (<c>14d</c>); defaults where null.</summary>
    public static HistoryRetention Parse(string? versions, string? maxAge)
    {
        var count = Default.Versions;
        if (versions is not null && (!int.TryParse(versions, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count) || count is < 1 or > MaxVersions))
        {
            throw Errors.BadArgument($"history must be a number of versions from 1 (none kept) to {MaxVersions}, got '{versions}'");
        }
        var age = maxAge is null ? Default.MaxAge : Config.DurationParser.Parse(maxAge);
        if (age <= TimeSpan.Zero)
        {
            throw Errors.BadArgument($"history age must be a positive duration such as 14d, got '{maxAge}'");
        }
        return new HistoryRetention(count, age);
    }
}
