using System.Diagnostics;
using SysopsFast.Fleet;
using SysopsFast.Redis;

namespace SysopsFast.Storm;

internal sealed record SoakOptions(ServerAddress Server, int Hosts, ulong Seed, TimeSpan Duration, TimeSpan SampleEvery)
{
    public static SoakOptions Read(OptionReader reader) => new(
        ServerAddress.Parse(reader.Text("--server") ?? ServerAddress.Default.ToString()),
        reader.Count("--hosts", 24000, 1),
        (ulong)reader.Count("--seed", 1, 0),
        TimeSpan.FromSeconds(reader.Count("--duration", 600, 1)),
        TimeSpan.FromSeconds(reader.Count("--sample-every", 60, 1)));
}

internal sealed record SoakResult(SoakOptions Options, IReadOnlyList<ProcessMemory> Memory, IReadOnlyList<ProbeSample> Queries, string? RedisVersion)
{
    public long WrongAnswers => Queries.Count(q => q.Problem is not null);
}

/// <summary>
/// The headline query again and again in one long-lived process, through one FleetQuery (as an
/// embedding tool or a service would run it), every answer checked against the generator's; the
/// process's memory sampled before the first query, after it, every <see cref="SoakOptions.SampleEvery"/>
/// and at the end, so growth across thousands of queries shows.
/// </summary>
internal static class HeadlineSoak
{
    public static async Task<SoakResult> RunAsync(SoakOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var check = new HeadlineAnswerCheck(new SyntheticFleet(options.Hosts, options.Seed).ExpectedUniq(), exact: true);
        var clock = Stopwatch.StartNew();
        var memory = new List<ProcessMemory> { ProcessMemory.Sample("before the first query", clock.Elapsed, 0) };
        await using var query = new FleetQuery([options.Server]);
        var probe = new HeadlineProbe(query, check);
        var queries = new List<ProbeSample>(await probe.MeasureAsync(1, cancellationToken));
        memory.Add(ProcessMemory.Sample("after the first query", clock.Elapsed, queries.Count));
        var nextSample = options.SampleEvery;
        while (clock.Elapsed < options.Duration)
        {
            queries.AddRange(await probe.MeasureAsync(1, cancellationToken));
            if (clock.Elapsed >= nextSample && clock.Elapsed < options.Duration)
            {
                memory.Add(ProcessMemory.Sample("running", clock.Elapsed, queries.Count));
                await log.WriteLineAsync($"soak: {clock.Elapsed.TotalSeconds:F0} s, {queries.Count} queries, RSS {memory[^1].RssKiB / 1024} MiB, {queries.Count(q => q.Problem is not null)} wrong");
                nextSample += options.SampleEvery;
            }
        }
        memory.Add(ProcessMemory.Sample("end", clock.Elapsed, queries.Count));
        var version = (await query.InfoAsync(cancellationToken))[0].RedisVersion;
        return new SoakResult(options, memory, queries, version);
    }
}
