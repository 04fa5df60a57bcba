using System.Globalization;
using SysopsFast.Grep;

namespace SysopsFast.Storm;

/// <summary>
/// Judges a headline answer (<c>grep sysctl-a net.core.netdev_budget --uniq</c>) against the
/// generator's expected answer. Exact: it must be that answer. Otherwise (while hosts are still
/// making their first push) it must be the answer of some of the hosts: only expected lines, none
/// counted more often than expected, and as many <c>net.core.netdev_budget</c> lines as
/// <c>net.core.netdev_budget_usecs</c> lines, since every host's record holds one of each.
/// </summary>
internal sealed class HeadlineAnswerCheck(IReadOnlyList<UniqCount> expected, bool exact)
{
    public static readonly GrepRequest Request = new(Fleet.SyntheticFleet.HeadlineObject, Fleet.SyntheticFleet.HeadlinePattern);

    private readonly Dictionary<string, long> _expected = expected.ToDictionary(c => c.Line, c => c.Count, StringComparer.Ordinal);

    public IReadOnlyList<UniqCount> Expected => expected;

    /// <summary>Records the answer counted (each counts one line of each setting).</summary>
    public static long Records(IReadOnlyList<UniqCount> counts) => counts.Where(c => !IsUsecs(c.Line)).Sum(c => c.Count);

    /// <returns>What is wrong with the answer, or null.</returns>
    public string? Judge(IReadOnlyList<UniqCount> counts, GrepResult result)
    {
        if (result.Summary.Corrupt.Count > 0)
        {
            return $"{result.Summary.Corrupt.Count} corrupt records, e.g. {result.Summary.Corrupt[0].Key}: {result.Summary.Corrupt[0].Reason}";
        }
        if (result.Summary.Partial)
        {
            return "a partial answer";
        }
        return exact ? JudgeExact(counts) : JudgeSubset(counts);
    }

    private string? JudgeExact(IReadOnlyList<UniqCount> counts) =>
        counts.Count == _expected.Count && counts.All(c => _expected.GetValueOrDefault(c.Line) == c.Count)
            ? null
            : "not the expected answer: " + Describe(counts);

    private string? JudgeSubset(IReadOnlyList<UniqCount> counts)
    {
        if (counts.Where(c => c.Count > _expected.GetValueOrDefault(c.Line)).Select(c => (UniqCount?)c).FirstOrDefault() is { } over)
        {
            return string.Create(CultureInfo.InvariantCulture, $"'{over.Line}' counted {over.Count} times, more than the {_expected.GetValueOrDefault(over.Line)} hosts that have it: {Describe(counts)}");
        }
        var usecs = counts.Where(c => IsUsecs(c.Line)).Sum(c => c.Count);
        return usecs == Records(counts)
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{Records(counts)} netdev_budget lines but {usecs} netdev_budget_usecs lines (a record read in part?): {Describe(counts)}");
    }

    private static bool IsUsecs(string line) => line.StartsWith("net.core.netdev_budget_usecs", StringComparison.Ordinal);

    private static string Describe(IReadOnlyList<UniqCount> counts) =>
        string.Join("; ", counts.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Count} {c.Line}")));
}
