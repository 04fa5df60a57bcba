using System.Globalization;

namespace SysopsFast.Config;

/// <summary>
/// The one reading of a point in time (<c>--as-of</c>, <c>--changed-since</c>): a UTC time
/// (<c>2026-12-01T10:00Z</c>, <c>2026-12-01T10:00:30Z</c>), a UTC day (<c>2026-12-01</c>, its
/// midnight), or a time ago (<c>30s</c>, <c>45m</c>, <c>3h</c>, <c>2d</c>, <c>1w</c>).
/// </summary>
public static class TimeParser
{
    private static readonly string[] UtcForms = ["yyyy-MM-dd'T'HH:mm'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd"];

    /// <summary>A time as answers and warnings name it: UTC, to the second (<c>2026-12-01T10:00:30Z</c>), a form <see cref="Parse"/> reads back.</summary>
    internal static string Text(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The time <paramref name="text"/> names, "ago" forms counted back from <paramref name="now"/>.</summary>
    /// <exception cref="SysopsFastException">Not one of the forms: a one-line usage error.</exception>
    public static DateTimeOffset Parse(string text, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (DateTimeOffset.TryParseExact(t, UtcForms, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at;
        }
        if (Ago(t) is { } seconds)
        {
            return now.AddSeconds(-seconds);
        }
        throw Errors.BadArgument($"'{text}' is not a time; write 2026-12-01T10:00Z, 2026-12-01T10:00:30Z, 2026-12-01 (UTC) or an age such as 30s, 45m, 3h, 2d, 1w");
    }

    /// <summary>
    /// Seconds of an age, or null: a duration as options take it (<see cref="DurationParser"/>), its
    /// unit written, since a bare number would read as a year as well as seconds.
    /// </summary>
    private static double? Ago(string t) =>
        t.Length >= 2 && char.IsAsciiLetter(t[^1]) && DurationParser.TryParse(t, out var span, out _) ? span.TotalSeconds : null;
}
