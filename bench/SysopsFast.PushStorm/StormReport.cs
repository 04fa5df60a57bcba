using static SysopsFast.Storm.MarkdownReport;

namespace SysopsFast.Storm;

/// <summary>A storm's markdown report.</summary>
internal static class StormReport
{
    public static string Write(StormResult r, string command)
    {
        var o = r.Options;
        var w = new MarkdownReport(F($"Push storm: {o.Hosts} hosts × {o.Rounds} rounds, {o.Concurrency} pushing at once"), o.Server, r.Server.RedisVersion, command);
        w.Line($"- tool: bench/SysopsFast.PushStorm (Release, JIT), one process: the simulated hosts share {o.Connections} connections (host i on connection i mod {o.Connections}); the headline runs through one long-lived FleetQuery in the same process; the hosts' work (building, md5, encoding), redis-server and the query share this machine's cores");
        w.Line($"- fleet: the synthetic fleet, {o.Hosts} hosts, seed {o.Seed}, 10 objects a host; before the storm: {(r.FillElapsed is { } fill ? F($"the generated fleet, written as `fleet generate --codec lz4` ({fill.TotalSeconds:F1} s)") : o.AfterRound is { } after ? F($"the fleet as round {after} left it (0: as generated), written before this run; rounds {o.FirstRound} to {o.FirstRound + o.Rounds - 1} pushed") : "an empty server (round 1 is every host's first push)")}; each round {o.ChangedFraction * 100:0.##}% of the objects change (a trailer line{(o.KvTrailer ? ", `push-storm.changed = ROUND`" : ", a comment")}; the headline's lines never change); history: {(o.History is { } h ? F($"{h.Versions} versions kept") : "push's default")}");
        w.Line($"- a push: the host's 10 objects built and hashed as `push` collects them, then `PushAgent.PushAsync` with the host's own in-memory ledger, which encodes them (LZ4, or zstd with the server's current dictionary) (round 1: no ledger yet, so unchanged objects are found by reading the stored header; later rounds: by the ledger); TTL {(o.Ttl is { } t ? F($"{t.TotalHours:0.##} h") : "none")}, timeout {o.PushTimeout.TotalSeconds:F0} s");
        w.Line($"- dictionaries: {(o.Dictionaries ? F($"as production gets them: none until `dict train` (FleetQuery.Dictionaries.TrainAsync) runs after round {o.TrainAfter}; the rounds after it compress with what it published (one dictionary cache shared by the simulated hosts)") : "none trained (every record LZ4 unless the server already names dictionaries)")}");
        WriteThroughput(w, r);
        WriteTraining(w, r);
        WriteRounds(w, r);
        WriteQueries(w, r);
        WriteChecks(w, r);
        return w.ToString();
    }

    private static void WriteThroughput(MarkdownReport w, StormResult r)
    {
        var seconds = r.StormElapsed.TotalSeconds;
        var pushes = r.Pushes.ToArray();
        w.Table("Throughput (all rounds)", "measure", "value");
        w.Line($"| storm wall time | {seconds:F1} s |");
        w.Line($"| pushes/s | {pushes.Length / seconds:F0} |");
        w.Line($"| objects/s (written or refreshed) | {pushes.Sum(p => (long)p.Written + p.Unchanged) / seconds:F0} |");
        w.Line($"| objects written/s | {pushes.Sum(p => (long)p.Written) / seconds:F0} |");
        w.Line($"| MB/s written (records SET) | {pushes.Sum(p => p.BytesWritten) / 1e6 / seconds:F1} |");
        w.Line($"| MB/s of contents built, encoded and hashed | {pushes.Sum(p => p.RawBytes) / 1e6 / seconds:F1} |");
        w.Line($"| push latency p50 / p95 / max, ms (build + encode + push) | {LatencySummary.Of(pushes.Select(p => p.Milliseconds))} |");
        w.Line($"| of which PushAsync (server round trips) | {LatencySummary.Of(pushes.Select(p => p.PushMilliseconds))} |");
        w.Line($"| Redis used_memory after the storm | {r.Server.UsedMemory / 1e6:F0} MB |");
    }

    private static void WriteTraining(MarkdownReport w, StormResult r)
    {
        if (r.Training.Count == 0)
        {
            return;
        }
        w.Line();
        w.Line($"`dict train` after round {r.Options.TrainAfter} (held-out samples compressed with the current dictionary or LZ4, and with the new one):");
        w.Line($"```");
        foreach (var row in r.Training)
        {
            w.Line($"{Output.DictionaryPrinter.Text(row)}");
        }
        w.Line($"```");
    }

    private static void WriteRounds(MarkdownReport w, StormResult r)
    {
        w.Table("Per round", "round", "wall s", "pushes/s", "objects written", "refreshed (unchanged)", "expected written", "MB written", "push ms p50 / p95 / max", "PushAsync ms p50 / p95 / max", "errors");
        foreach (var round in r.Rounds)
        {
            var p = round.Pushes;
            w.Line($"| {round.Round} | {round.Elapsed.TotalSeconds:F1} | {p.Count / round.Elapsed.TotalSeconds:F0} | {p.Sum(x => (long)x.Written)} | {p.Sum(x => (long)x.Unchanged)} | {p.Sum(x => (long)x.ExpectedWritten)} | {p.Sum(x => x.BytesWritten) / 1e6:F1} | {LatencySummary.Of(p.Select(x => x.Milliseconds))} | {LatencySummary.Of(p.Select(x => x.PushMilliseconds))} | {p.Count(x => x.Error is not null)} |");
        }
    }

    private static void WriteQueries(MarkdownReport w, StormResult r)
    {
        w.Table("Headline query under load (`grep sysctl-a net.core.netdev_budget --uniq`, FleetQuery.GrepUniqAsync)", "when", "queries", "ms p50 / p95 / max", "wrong answers");
        Row(w, !r.Options.FromEmpty ? "idle, before the storm (after one query not counted)" : "idle (not measured: the server was empty before the storm)", r.Idle);
        Row(w, r.Options.QueryEvery is { } every ? F($"during the storm (one started every {every.TotalMilliseconds:F0} ms)") : "during the storm (not asked: --query-every 0)", r.UnderLoad);
        Row(w, "after the storm", [r.Final]);
        if (r.Idle.Count > 0 && r.UnderLoad.Count > 0)
        {
            var idle = LatencySummary.Of(r.Idle.Select(s => s.Milliseconds));
            var load = LatencySummary.Of(r.UnderLoad.Select(s => s.Milliseconds));
            w.Line();
            w.Line($"Under load / idle: p50 {load.P50 / idle.P50:F2}×, p95 {load.P95 / idle.P95:F2}×.");
        }
    }

    private static void Row(MarkdownReport w, string when, IReadOnlyList<ProbeSample> samples) =>
        w.Line($"| {when} | {samples.Count} | {LatencySummary.Of(samples.Select(s => s.Milliseconds))} | {samples.Count(s => s.Problem is not null)} |");

    private static void WriteChecks(MarkdownReport w, StormResult r)
    {
        var a = r.Audit;
        w.Line();
        w.Line($"## Checks");
        w.Line();
        w.Line($"- nothing lost: of {a.Expected} keys ({r.Options.Hosts} hosts × 10), {a.Matching} were found through the key catalog (as a query finds them) holding their host's latest contents (decoded; md5 of the contents = the header's = what was pushed last); missing {a.Missing}, wrong contents {a.WrongContents}, corrupt {a.Corrupt}: **{a.Mismatches} mismatches**{(a.Unexpected > 0 ? F($"; {a.Unexpected} other keys found and ignored") : "")}");
        w.Line($"- writes: {r.Pushes.Count(p => p.Error is null)} successful pushes, of which {r.UnexpectedWrites} wrote other than exactly the objects that changed");
        w.Line($"- push errors: {r.PushErrors}");
        w.Line($"- headline answers: {r.WrongAnswers} wrong of {r.Idle.Count + r.UnderLoad.Count + 1} ({(!r.Options.FromEmpty ? "each must equal the generator's expected answer" : "during the storm each must be the answer of some hosts, and never shrink; after it, the expected answer")})");
        w.Line($"- result: **{(r.Passed ? "PASSED" : "FAILED")}**");
        var problems = a.FirstProblems
            .Concat(r.Pushes.Where(p => p.Error is not null).Select(p => "push: " + p.Error).Distinct().Take(5))
            .Concat(r.Idle.Concat(r.UnderLoad).Append(r.Final).Where(p => p.Problem is not null).Select(p => "headline: " + p.Problem).Take(5))
            .ToArray();
        if (problems.Length > 0)
        {
            w.Line();
            w.Line($"First problems:");
            w.Line($"```");
            foreach (var p in problems)
            {
                w.Line($"{p}");
            }
            w.Line($"```");
        }
    }
}
