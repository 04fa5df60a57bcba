using System.Globalization;

namespace SysopsFast.Redis;

/// <summary>
/// How long a connect (and the handshake after it) may take: 3 s, short enough that a push to a
/// dead core ends at once, unless <c>SYSOPS_FAST_CONNECT_TIMEOUT</c> gives seconds (a far server, or a
/// machine so loaded that a handshake takes longer).
/// </summary>
internal static class ConnectTimeoutSetting
{
    public const string Variable = "SYSOPS_FAST_CONNECT_TIMEOUT";

    private static readonly TimeSpan Default = TimeSpan.FromSeconds(3);

    private const double MaxSeconds = 600;

    /// <summary>The setting of this process's environment; a value that is not a number of seconds is one error.</summary>
    public static TimeSpan Read()
    {
        var text = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(text))
        {
            return Default;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !double.IsFinite(seconds) || seconds < 0.1 || seconds > MaxSeconds)
        {
            throw Errors.BadSetting(Variable, text, $"a number of seconds from 0.1 to {MaxSeconds.ToString(CultureInfo.InvariantCulture)}");
        }
        return TimeSpan.FromSeconds(seconds);
    }
}
