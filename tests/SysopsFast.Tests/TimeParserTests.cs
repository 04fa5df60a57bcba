using SysopsFast.Config;
using Xunit;

namespace SysopsFast.Tests;

public sealed class TimeParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 18, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("2026-12-01T10:00Z", "2026-12-01T10:00:00+00:00")]
    [InlineData("2026-12-01T10:00:30Z", "2026-12-01T10:00:30+00:00")]
    [InlineData("2026-12-01", "2026-12-01T00:00:00+00:00")]
    [InlineData(" 2026-12-01 ", "2026-12-01T00:00:00+00:00")]
    [InlineData("30s", "2026-12-07T17:59:30+00:00")]
    [InlineData("45m", "2026-12-07T17:15:00+00:00")]
    [InlineData("3h", "2026-12-07T15:00:00+00:00")]
    [InlineData("2d", "2026-12-05T18:00:00+00:00")]
    [InlineData("1w", "2026-11-30T18:00:00+00:00")]
    [InlineData("0s", "2026-12-07T18:00:00+00:00")]
    // Ages are durations as every other option reads them (--ttl, --history-age).
    [InlineData("1.5h", "2026-12-07T16:30:00+00:00")]
    [InlineData("3H", "2026-12-07T15:00:00+00:00")]
    public void Each_form_names_its_time(string text, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), TimeParser.Parse(text, Now));

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("3")]
    [InlineData("h")]
    [InlineData("-3h")]
    [InlineData("+3h")]
    [InlineData("3y")]
    [InlineData("2026-12-01T10:00")]
    [InlineData("2026-12-01T10:00+02:00")]
    [InlineData("2026-13-01")]
    [InlineData("2026-12-01T25:00Z")]
    [InlineData("99999999999999999999d")]
    [InlineData("999999w")]
    public void Anything_else_is_a_one_line_usage_error(string text)
    {
        var e = Assert.Throws<SysopsFastException>(() => TimeParser.Parse(text, Now));
        Assert.Equal(ErrorKind.InvalidInput, e.Kind);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("2026-12-01T10:00Z", e.Message, StringComparison.Ordinal);
    }
}
