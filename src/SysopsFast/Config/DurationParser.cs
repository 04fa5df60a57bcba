using System.Globalization;

namespace SysopsFast.Config;

/// <summary>
/// The one reading of durations, for command-line options and configuration files alike: 6h, 30m,
/// 90s, 2d, 1w or a number of seconds.
/// </summary>
public static class DurationParser
{
    /// <summary>The longest duration taken: expiries are added to the clock, which ends in year 9999.</summary>
    private static readonly TimeSpan LongestDuration = TimeSpan.FromDays(36500);

    /// <summary>An expiry: a duration, 0 meaning never (null).</summary>
    public static TimeSpan? ParseTtl(string text)
    {
        var span = Parse(text);
        return span == TimeSpan.Zero ? null : span;
    }

    /// <summary>Timers take at most ~49 days; no wait of ours needs more than this.</summary>
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(30);

    /// <summary>A wait: a duration above 0, at most 30 days.</summary>
    public static TimeSpan ParseTimeout(string text)
    {
        var span = Parse(text);
        if (span > LongestWait)
        {
            throw Errors.BadArgument($"'{text}' is longer than a wait may be; give at most 30 days");
        }
        return span > TimeSpan.Zero ? span : throw Errors.BadArgument($"'{text}' is no time to wait; give a number of seconds above 0");
    }

    /// <summary>
    /// 0, or from 1 ms to 100 years (Redis refuses an expiry of 0 ms); anything else (empty, NaN, a
    /// sign, another unit) is a usage error.
    /// </summary>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var span, out var error) ? span : throw Errors.BadArgument(error);

    /// <summary>As <see cref="Parse"/>, the usage error's text given back instead of thrown.</summary>
    internal static bool TryParse(string text, out TimeSpan span, out string error)
    {
        span = TimeSpan.Zero;
        var t = text.Trim();
        var unit = t.Length > 0 && char.IsAsciiLetter(t[^1]) ? char.ToLowerInvariant(t[^1]) : 's';
        var seconds = unit switch
        {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 7 * 86400,
            _ => 0,
        };
        if (seconds == 0)
        {
            error = $"'{text}' has an unknown unit; use s, m, h, d or w";
            return false;
        }
        var number = t.Length > 0 && char.IsAsciiLetter(t[^1]) ? t[..^1] : t;
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var n)
            || !double.IsFinite(n))
        {
            error = $"'{text}' is not a duration; write it as 6h, 30m, 90s or a number of seconds";
            return false;
        }
        var total = n * seconds;
        if (total > LongestDuration.TotalSeconds || (total > 0 && total < 0.001))
        {
            error = $"'{text}' is out of range; give 0, or from 1 ms to 100 years";
            return false;
        }
        span = TimeSpan.FromSeconds(total);
        error = "";
        return true;
    }
}
