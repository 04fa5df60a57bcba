using System.Globalization;
using SysopsFast.Pipeline;

namespace SysopsFast.Cli;

/// <summary>
/// What every query command says on stderr after its output: corrupt records, failovers, which
/// cores answered, a partial answer. One place, so grep and dump cannot disagree.
/// </summary>
internal static class SummaryReport
{
    /// <summary>Writes the report; returns the exit code it forces (interrupted, error), or null.</summary>
    public static async Task<int?> WriteAsync(ExtractSummary summary, TextWriter stderr)
    {
        // serve counts what each query read (/metrics).
        Serve.RequestConsole.Current?.Summary = summary;
        foreach (var c in summary.Corrupt)
        {
            await stderr.WriteLineAsync("sysops-fast: " + c);
        }
        foreach (var w in summary.Warnings)
        {
            await stderr.WriteLineAsync("sysops-fast: warning: " + w);
        }
        if (summary.CoresAnswered.Count > 1 || summary.Warnings.Count > 0 || summary.CoresMissing.Count > 0)
        {
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"sysops-fast: {summary.CoresAnswered.Count} of {summary.CoresAnswered.Count + summary.CoresMissing.Count} cores answered ({string.Join("; ", summary.CoresAnswered.Order(StringComparer.Ordinal))})"));
        }
        if (summary.CoresMissing.Count > 0)
        {
            await stderr.WriteLineAsync("sysops-fast: warning: PARTIAL ANSWER (--allow-partial): missing " + string.Join("; ", summary.CoresMissing));
        }
        if (summary.Partial)
        {
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"sysops-fast: interrupted after reading {summary.RecordsRead} records ({summary.KeysDiscovered} keys found so far); the output above is partial"));
            return CliRunner.Interrupted;
        }
        if (summary.Corrupt.Count > 0)
        {
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"sysops-fast: {summary.Corrupt.Count} corrupt record(s) skipped; the output above covers the other {summary.RecordsRead}"));
            return CliRunner.Error;
        }
        return null;
    }
}
