using SysopsFast.Grep;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>GNU grep's semantics of -c, -l, -L, -m, -o and context, as the library applies them for every caller.</summary>
public sealed class GrepRequestTests
{
    private static readonly SelectionLimits MaxFiveWithContext = SelectionLimits.Gnu(5, after: null, before: 1, context: 3);

    [Fact]
    public void Context_sets_both_sides_and_after_or_before_overrides_it()
    {
        Assert.Equal(new SelectionLimits { MaxCount = 5, Before = 1, After = 3 }, MaxFiveWithContext);
        Assert.Equal(SelectionLimits.None, SelectionLimits.Gnu(null, null, null, null));
    }

    [Fact]
    public void Per_record_lines_print_no_context_and_names_need_one_selected_line()
    {
        var lines = new GrepRequest("o", "x") { Limits = MaxFiveWithContext, OnlyMatching = true };
        Assert.Equal(MaxFiveWithContext, lines.Limits);
        Assert.True(lines.OnlyMatching);

        var count = lines with { PerRecord = RecordLineKind.Count };
        Assert.Equal(new SelectionLimits { MaxCount = 5 }, count.Limits);
        Assert.False(count.OnlyMatching); // -c counts lines, not matches

        foreach (var kind in new[] { RecordLineKind.WithMatch, RecordLineKind.WithoutMatch })
        {
            var names = lines with { PerRecord = kind };
            Assert.Equal(new SelectionLimits { MaxCount = 1 }, names.Limits);
            Assert.False(names.OnlyMatching);
        }
        Assert.Equal(0, (lines with { PerRecord = RecordLineKind.WithMatch, Limits = new SelectionLimits { MaxCount = 0 } }).Limits.MaxCount);
    }

    [Theory]
    [InlineData(0L, false, "x", null, true)]
    [InlineData(0L, false, "x", RecordLineKind.Count, true)]
    [InlineData(0L, false, "x", RecordLineKind.WithoutMatch, false)] // -L -m 0 names every record
    [InlineData(long.MaxValue, true, "", null, true)] // -v '' : every line matches the empty pattern
    [InlineData(long.MaxValue, true, "", RecordLineKind.WithoutMatch, false)]
    [InlineData(long.MaxValue, true, "x", null, false)]
    [InlineData(1L, false, "", null, false)]
    public void What_selects_nothing_is_known_before_reading(long maxCount, bool invert, string pattern, RecordLineKind? perRecord, bool nothing)
    {
        var request = new GrepRequest("o", pattern) { Invert = invert, PerRecord = perRecord, Limits = new SelectionLimits { MaxCount = maxCount } };
        Assert.Equal(nothing, request.SelectsNothing);
        Assert.False((request with { WholeLine = true, Limits = SelectionLimits.None }).SelectsNothing);
        Assert.False((request with { WholeWord = true, Limits = SelectionLimits.None }).SelectsNothing);
    }

    [Fact]
    public void Counting_identical_lines_takes_no_context()
    {
        Assert.False(((IGrepSinkFactory)new UniqCountSinkFactory()).TakesContext);
        Assert.False(((IGrepSinkFactory)new OnlyMatchingSinkFactory(new UniqCountSinkFactory(), MatcherFactory.Create("x", false, false, false, false))).TakesContext);
        Assert.Equal(SelectionLimits.None, MaxFiveWithContext.WithoutContext with { MaxCount = long.MaxValue });
    }
}
