using SysopsFast.Grep;
using Xunit;

namespace SysopsFast.Tests;

public class MatcherTests
{
    private const string Sysctl = "kernel.hostname = a1\nnet.core.netdev_budget = 300\nnet.core.netdev_budget_usecs = 8000\nvm.swappiness = 10\n";

    [Fact]
    public void Literal_finds_every_line_containing_the_text() =>
        GrepCaseRunner.Check(Sysctl, "netdev_budget", ["net.core.netdev_budget = 300", "net.core.netdev_budget_usecs = 8000"]);

    [Fact]
    public void Literal_with_no_match_selects_nothing() =>
        GrepCaseRunner.Check(Sysctl, "nosuchkey", []);

    [Fact]
    public void Two_matches_on_one_line_select_it_once() =>
        GrepCaseRunner.Check("aa aa\nb\naa\n", "aa", ["aa aa", "aa"]);

    [Fact]
    public void Last_line_without_newline_is_a_line() =>
        GrepCaseRunner.Check("x = 1\ny = 2", "y", ["y = 2"]);

    [Fact]
    public void Empty_lines_are_lines_and_empty_value_has_none()
    {
        GrepCaseRunner.Check("a\n\nb\n", "", ["a", "", "b"]);
        GrepCaseRunner.Check("", "", []);
        GrepCaseRunner.Check("a\n\nb\n", "a", ["", "b"], invert: true);
    }

    [Fact]
    public void Invert_selects_the_other_lines_in_order() =>
        GrepCaseRunner.Check(Sysctl, "net.core", ["kernel.hostname = a1", "vm.swappiness = 10"], invert: true);

    [Fact]
    public void Ignore_case_literal_folds_ascii_without_copies() =>
        GrepCaseRunner.Check("Net.Core.X = 1\nnet.core.y = 2\nNET.CORF = 3\n", "net.CORE", ["Net.Core.X = 1", "net.core.y = 2"], ignoreCase: true);

    [Theory]
    [InlineData("budget", new[] { "xBUDGET = 1", "budget_budGET" })]
    [InlineData("Q", new[] { "q", "Qq" })]
    [InlineData("zz_", new[] { "aZz_", "zZ_zz" })]
    [InlineData("=", new[] { "a = b" })]
    public void Ignore_case_anchors_on_a_rare_byte_without_missing_matches(string needle, string[] expected)
    {
        // Lines that hold the anchor byte but not the needle come first, to test resuming after a miss.
        var value = "z_z gggg bbbb\n" + string.Join("\n", expected) + "\nno match here\n";
        GrepCaseRunner.Check(value, needle, expected, ignoreCase: true);
    }

    [Fact]
    public void Ignore_case_non_ascii_uses_unicode_folding() =>
        GrepCaseRunner.Check("name = HÉLLO\nname = hello\n", "héllo", ["name = HÉLLO"], ignoreCase: true);

    [Theory]
    [InlineData("swappiness", false, typeof(LiteralMatcher))]
    [InlineData("net.core", false, typeof(RegexMatcher))]
    [InlineData("kernel = 1", true, typeof(LiteralMatcher))]
    [InlineData("sys", true, typeof(RegexMatcher))] // GNU -i: s also matches U+017F
    [InlineData("ip", true, typeof(RegexMatcher))] // and i U+0131
    public void A_regex_without_metacharacters_takes_the_literal_path_when_it_selects_the_same_lines(string pattern, bool ignoreCase, Type expected) =>
        Assert.IsType(expected, MatcherFactory.Create(pattern, regex: true, ignoreCase));

    [Theory]
    [InlineData("net.core.netdev_budget", false, "netdev_budget")]
    [InlineData("kernel.hostname", true, "tname")] // the longest piece whose letters fold within ASCII
    [InlineData("(kernel|vm)\\.panic", true, ".pan")]
    [InlineData("s.i.s", true, null)]
    public void A_regex_is_prefiltered_by_a_literal_also_under_ignore_case(string pattern, bool ignoreCase, string? literal)
    {
        var matcher = Assert.IsType<RegexMatcher>(MatcherFactory.Create(pattern, regex: true, ignoreCase));
        Assert.Equal(literal, matcher.RequiredLiteral);
        Assert.Equal(literal is not null && ignoreCase, matcher.PrefilterIgnoresCase);
    }

    [Fact]
    public void Ignore_case_matches_gnu_counterparts_outside_ascii()
    {
        GrepCaseRunner.Check("ſysctl = 1\nSYSCTL = 2\nother\n", "sysctl", ["ſysctl = 1", "SYSCTL = 2"], ignoreCase: true);
        GrepCaseRunner.Check("kernel.hoſtname = a\nKERNEL.HOSTNAME = b\nkernel.hostnam = c\n", "kernel.hostname", ["kernel.hoſtname = a", "KERNEL.HOSTNAME = b"], regex: true, ignoreCase: true);
    }

    [Fact]
    public void Regex_anchors_apply_to_each_line() =>
        GrepCaseRunner.Check(Sysctl, @"^net\.core\.netdev_budget = [0-9]+$", ["net.core.netdev_budget = 300"], regex: true);

    [Fact]
    public void Regex_invert_and_ignore_case() =>
        GrepCaseRunner.Check(Sysctl, "^NET", ["kernel.hostname = a1", "vm.swappiness = 10"], regex: true, ignoreCase: true, invert: true);

    [Theory]
    [InlineData(@"^net\.core\.netdev_budget = \d+$", "net.core.netdev_budget = ")]
    [InlineData("colou?r = (red|blue)", "colo")]
    [InlineData("abcd*e", "abc")]
    [InlineData("xyz+w", "xyz")]
    [InlineData("ab{0,2}cdefg", "cdefg")]
    [InlineData("ab{1,2}c", null)]
    [InlineData("budget|swappiness", null)]
    [InlineData("(?i)budget", null)]
    [InlineData(@"\d+ budget [a-z]+ x", " budget ")]
    [InlineData(@"[]abc] def", " def")]
    [InlineData(@"a\.b\.c", "a.b.c")]
    [InlineData(@"\x41BC", null)]
    [InlineData(@"\bword\b and more", " and more")]
    [InlineData(@"\p{Lu}abcdef", null)]
    [InlineData("a{2", "a{2")]
    [InlineData("zz", null)]
    public void Regex_required_literal_is_found_conservatively(string pattern, string? expected) =>
        Assert.Equal(expected, new RegexMatcher(pattern).RequiredLiteral);

    [Fact]
    public void Regex_prefilter_never_loses_a_line_on_random_patterns()
    {
        // Every line the plain regex selects, the matcher (with its literal prefilter) selects too.
        var random = new Random(4242);
        const string patternAlphabet = "abc.?*+|()[]{}\\1,2d^$ -";
        const string textAlphabet = "abc {},.\\12d-";
        string Make(string alphabet, int max) => new(Enumerable.Range(0, random.Next(1, max)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
        var checkedPatterns = 0;
        for (var i = 0; i < 20_000 && checkedPatterns < 3_000; i++)
        {
            var pattern = Make(patternAlphabet, 12);
            System.Text.RegularExpressions.Regex regex;
            RegexMatcher matcher;
            try
            {
                regex = new System.Text.RegularExpressions.Regex(pattern, System.Text.RegularExpressions.RegexOptions.NonBacktracking | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
                matcher = new RegexMatcher(pattern);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or SysopsFastException)
            {
                continue;
            }
            checkedPatterns++;
            var lines = Enumerable.Range(0, 20).Select(_ => Make(textAlphabet, 16)).ToArray();
            var expected = lines.Where(l => regex.IsMatch(l)).ToArray();
            var sink = new CollectingSink();
            LineSearcher.Search(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", lines)), matcher, false, sink);
            Assert.True(expected.SequenceEqual(sink.Lines), $"pattern '{pattern}' (literal '{matcher.RequiredLiteral}'): expected [{string.Join("|", expected)}], got [{string.Join("|", sink.Lines)}]");
        }
        Assert.True(checkedPatterns > 1000, $"only {checkedPatterns} patterns compiled");
    }

    [Fact]
    public void Regex_with_a_literal_prefilter_selects_what_the_regex_selects()
    {
        const string value = "color = red\ncolour = blue\ncolr = red\nthe colour = red, colour = blue\nno\ncolor = green";
        GrepCaseRunner.Check(value, "colou?r = (red|blue)", ["color = red", "colour = blue", "the colour = red, colour = blue"], regex: true);
        GrepCaseRunner.Check(value, "colou?r = (red|blue)", ["colr = red", "no", "color = green"], regex: true, invert: true);
        GrepCaseRunner.Check(Sysctl, @"^net\.core\.netdev_budget = [[:digit:]]+$", ["kernel.hostname = a1", "net.core.netdev_budget_usecs = 8000", "vm.swappiness = 10"], regex: true, invert: true);
        // The literal is found inside a line that does not match: the search goes on after it.
        GrepCaseRunner.Check("xx budget = 1 yy\nbudget = 2\n", "^budget = [0-9]", ["budget = 2"], regex: true);
    }

    [Fact]
    public void Binary_contents_do_not_break_matching() =>
        GrepCaseRunner.Check("\u0000\u0001bin\u00ff\nok line\n\uFFFDx\n", "ok", ["ok line"]);

    [Fact]
    public void Invalid_utf8_is_searched_by_regex_as_replacement_characters()
    {
        byte[] value = [0xff, 0xfe, (byte)'\n', (byte)'o', (byte)'k', 0xc3, (byte)'\n'];
        var sink = new CollectingSink();
        Assert.Equal(1, LineSearcher.Search(value, new RegexMatcher("^ok"), false, sink));
        Assert.Equal(2, LineSearcher.Search(value, new LiteralMatcher(""), false, new CollectingSink()));
    }

    [Fact]
    public void Huge_line_is_matched_whole()
    {
        var big = new string('x', 200_000) + "NEEDLE" + new string('y', 1000);
        var sink = new CollectingSink();
        var n = LineSearcher.Search(System.Text.Encoding.ASCII.GetBytes("a\n" + big + "\nb\n"), new LiteralMatcher("NEEDLE"), false, sink);
        Assert.Equal(1, n);
        Assert.Equal(big, Assert.Single(sink.Lines));
    }

    [Fact]
    public void Pathological_regex_is_linear_not_backtracking()
    {
        // (a+)+$ against "aaaa…b" takes exponential time with a backtracking engine.
        var sink = new CollectingSink();
        var n = LineSearcher.Search(System.Text.Encoding.ASCII.GetBytes(new string('a', 50_000) + "b\n"), new RegexMatcher("(a+)+$"), false, sink);
        Assert.Equal(0, n);
    }

    [Theory]
    [InlineData("(a")]
    [InlineData(@"(a)\1")]
    [InlineData("a{2,1}")]
    public void Bad_or_backtracking_only_regex_is_a_clear_error(string pattern)
    {
        var e = Assert.Throws<SysopsFastException>(() => MatcherFactory.Create(pattern, regex: true, ignoreCase: false));
        Assert.Contains(pattern, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sink_can_stop_the_search()
    {
        var sink = new CollectingSink { StopAfter = 1 };
        Assert.Equal(-1, LineSearcher.Search("a\na\na\n"u8, new LiteralMatcher("a"), false, sink));
        Assert.Single(sink.Lines);
    }

    /// <summary>A long-lived process pays once per pattern: a regex is built once (megabytes), each caller gets a clone.</summary>
    [Fact]
    public void A_pattern_asked_again_is_not_built_again_and_each_caller_gets_a_clone_of_its_own()
    {
        var pattern = "net.core.netdev_" + Guid.NewGuid().ToString("N")[..8];
        var first = MatcherFactory.Create(pattern, regex: true, ignoreCase: false);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var again = MatcherFactory.Create(pattern, regex: true, ignoreCase: false);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var folded = MatcherFactory.Create(pattern, regex: true, ignoreCase: true);

        Assert.True(allocated < 4096, $"a cached matcher cost {allocated} bytes");
        Assert.NotSame(first, again);
        Assert.True(again.FindNextLine(System.Text.Encoding.UTF8.GetBytes(pattern.ToUpperInvariant() + "\n" + pattern + "\n"), 0, out var start, out _));
        Assert.True(start > 0); // case matters without -i
        Assert.True(folded.FindNextLine(System.Text.Encoding.UTF8.GetBytes(pattern.ToUpperInvariant() + "\n"), 0, out _, out _));
    }

    [Fact]
    public void The_matcher_cache_is_bounded()
    {
        for (var i = 0; i < MatcherFactory.CachedMatchers + 10; i++)
        {
            MatcherFactory.Create("bounded-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "[0-9]", regex: true, ignoreCase: false);
        }
        Assert.InRange(MatcherFactory.Cache.Count, 1, MatcherFactory.CachedMatchers);
    }
}
