using System.Diagnostics;
using System.Globalization;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Push;
using SysopsFast.Redis;

namespace SysopsFast.Storm;

/// <summary>One host's push: its latency (building and encoding its objects included, as a push run does both) and what the server did.</summary>
/// <param name="PushMilliseconds">The part spent in <see cref="PushAgent.PushAsync"/>.</param>
/// <param name="ExpectedWritten">Objects whose contents changed since the server last got them, or whose dictionary did: exactly these must be written, the others only refreshed.</param>
/// <param name="BytesWritten">The records the push wrote (SET).</param>
internal readonly record struct PushSample(double Milliseconds, double PushMilliseconds, int Written, int Unchanged, int ExpectedWritten, long BytesWritten, long RawBytes, string? Error);

internal sealed record RoundResult(int Round, TimeSpan Elapsed, IReadOnlyList<PushSample> Pushes);

/// <summary>Everything a storm measured and checked.</summary>
internal sealed record StormResult(
    StormOptions Options,
    TimeSpan? FillElapsed,
    IReadOnlyList<ProbeSample> Idle,
    IReadOnlyList<ProbeSample> UnderLoad,
    IReadOnlyList<RoundResult> Rounds,
    TimeSpan StormElapsed,
    ProbeSample Final,
    AuditResult Audit,
    Query.ServerInfo Server)
{
    /// <summary>What `dict train` decided between the rounds (with <see cref="StormOptions.Dictionaries"/>).</summary>
    public IReadOnlyList<DictionaryTrainingRow> Training { get; init; } = [];

    public IEnumerable<PushSample> Pushes => Rounds.SelectMany(r => r.Pushes);

    public long PushErrors => Pushes.Count(p => p.Error is not null);

    /// <summary>Successful pushes that wrote other than the objects that changed (the md5 and ledger skips misjudged).</summary>
    public long UnexpectedWrites => Pushes.Count(p => p.Error is null && p.Written != p.ExpectedWritten);

    public long WrongAnswers => Idle.Concat(UnderLoad).Append(Final).Count(p => p.Problem is not null);

    public bool Passed => Audit.Mismatches == 0 && PushErrors == 0 && UnexpectedWrites == 0 && WrongAnswers == 0;
}

/// <summary>
/// N synthetic hosts pushing at once against one server, each push the same work as one
/// <c>push</c> run (its objects built and hashed, then <see cref="PushAgent"/> with the host's own
/// ledger, which encodes them), while the headline query runs every so often; then the check that
/// nothing was lost. The hosts share a few connections, as a load generator must, and one
/// dictionary cache. With <see cref="StormOptions.Dictionaries"/>, `dict train` runs after a round
/// and the later rounds compress with what it published.
/// </summary>
internal sealed class PushStorm : IAsyncDisposable
{
    private readonly StormOptions _options;
    private readonly HostSnapshots _snapshots;
    private readonly RedisConnections[] _pool;
    private readonly PushLedger[] _ledgers;
    private readonly UInt128[] _latest;
    private readonly DictionaryCache _dictionaries = DictionaryCache.InMemory();
    private readonly List<DictionaryTrainingRow> _training = [];

    /// <summary>Objects given a new dictionary before round <see cref="_retrainedRound"/>: every host writes them again then.</summary>
    private readonly bool[] _retrained = new bool[HostSnapshots.ObjectsPerHost];
    private int _retrainedRound = -1;
    private readonly TaskCompletionSource _firstPush = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PushStorm(StormOptions options)
    {
        _options = options;
        _snapshots = new HostSnapshots(new SyntheticFleet(options.Hosts, options.Seed), options.ChangedFraction, options.KvTrailer);
        _pool = Enumerable.Range(0, options.Connections).Select(_ => new RedisConnections()).ToArray();
        _ledgers = Enumerable.Range(0, options.Hosts).Select(_ => PushLedger.InMemory()).ToArray();
        _latest = new UInt128[options.Hosts * HostSnapshots.ObjectsPerHost];
    }

    public static async Task<StormResult> RunAsync(StormOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        await using var storm = new PushStorm(options);
        return await storm.RunAsync(log, cancellationToken);
    }

    private async Task<StormResult> RunAsync(TextWriter log, CancellationToken cancellationToken)
    {
        var fill = _options.Fill ? await FillAsync(log, cancellationToken) : (TimeSpan?)null;
        await using var query = new FleetQuery([_options.Server]);
        var exact = new HeadlineAnswerCheck(_snapshots.Fleet.ExpectedUniq(), exact: true);
        IReadOnlyList<ProbeSample> idle = !_options.FromEmpty ? await MeasureIdleAsync(new HeadlineProbe(query, exact), cancellationToken) : [];
        await log.WriteLineAsync($"push-storm: idle headline {LatencySummary.Of(idle.Select(s => s.Milliseconds))} ms (p50 / p95 / max)");
        // Over a filled server every answer is the whole fleet's; from an empty one, some hosts'.
        var during = !_options.FromEmpty ? exact : new HeadlineAnswerCheck(exact.Expected, exact: false);
        var clock = Stopwatch.StartNew();
        var (rounds, underLoad) = await StormAsync(query, new HeadlineProbe(query, during), log, cancellationToken);
        var elapsed = clock.Elapsed;
        var final = (await new HeadlineProbe(query, exact).MeasureAsync(1, cancellationToken))[0];
        var audit = await LatestRecordAudit.RunAsync(query, Keys(), _latest, cancellationToken);
        var server = (await query.InfoAsync(cancellationToken))[0];
        return new StormResult(_options, fill, idle, underLoad, rounds, elapsed, final, audit, server) { Training = _training };
    }

    /// <summary>The headline before the storm, after one query not counted (it pays for JIT and connecting).</summary>
    private async Task<IReadOnlyList<ProbeSample>> MeasureIdleAsync(HeadlineProbe probe, CancellationToken cancellationToken)
    {
        var warmUp = await probe.MeasureAsync(1, cancellationToken);
        var idle = await probe.MeasureAsync(_options.IdleQueries, cancellationToken);
        return warmUp[0].Problem is null ? idle : [.. warmUp, .. idle];
    }

    /// <summary>The fleet as it stood before the storm: what <c>fleet generate --codec lz4</c> writes.</summary>
    private async Task<TimeSpan> FillAsync(TextWriter log, CancellationToken cancellationToken)
    {
        var generated = await FleetGenerator.GenerateAsync(_snapshots.Fleet, _options.Server, PayloadCodec.Lz4, _options.Ttl, plain: false, cancellationToken);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"push-storm: filled {generated.Hosts} hosts ({generated.Objects} records) in {generated.Elapsed.TotalSeconds:F1} s"));
        return generated.Elapsed;
    }

    private async Task<(IReadOnlyList<RoundResult> Rounds, IReadOnlyList<ProbeSample> UnderLoad)> StormAsync(FleetQuery query, HeadlineProbe probe, TextWriter log, CancellationToken cancellationToken)
    {
        using var stop = new CancellationTokenSource();
        var probing = ProbeAsync(probe, stop.Token);
        var rounds = new List<RoundResult>();
        try
        {
            for (var round = _options.FirstRound; round < _options.FirstRound + _options.Rounds; round++)
            {
                rounds.Add(await RoundAsync(round, cancellationToken));
                await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"push-storm: round {round}: {_options.Hosts} pushes in {rounds[^1].Elapsed.TotalSeconds:F1} s"));
                if (_options.Dictionaries && round == _options.TrainAfter)
                {
                    await TrainAsync(query, round + 1, log, cancellationToken);
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
        }
        return (rounds, await probing);
    }

    /// <summary>`dict train` through the library, as the timer of production runs it; the objects it gives a new dictionary are all written again in <paramref name="nextRound"/>.</summary>
    private async Task TrainAsync(FleetQuery query, int nextRound, TextWriter log, CancellationToken cancellationToken)
    {
        await foreach (var row in query.Dictionaries.TrainAsync("*#*", new List<Pipeline.ExtractSummary>(), cancellationToken))
        {
            _training.Add(row);
            await log.WriteLineAsync("push-storm: dict train: " + Output.DictionaryPrinter.Text(row));
            var index = Array.IndexOf(SyntheticFleet.ObjectNames, row.Object);
            if (index >= 0 && row.Verdict == DictionaryVerdict.Published)
            {
                _retrained[index] = true;
            }
        }
        _retrainedRound = nextRound;
    }

    /// <summary>Queries while the storm runs; from an empty server, from the first push on (before it, there is nothing to ask about).</summary>
    private async Task<IReadOnlyList<ProbeSample>> ProbeAsync(HeadlineProbe probe, CancellationToken stop)
    {
        if (_options.QueryEvery is not { } every)
        {
            return [];
        }
        try
        {
            await _firstPush.Task.WaitAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return [];
        }
        return await probe.RunUntilAsync(every, stop);
    }

    private async Task<RoundResult> RoundAsync(int round, CancellationToken cancellationToken)
    {
        var pushes = new PushSample[_options.Hosts];
        var clock = Stopwatch.StartNew();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, _options.Hosts), parallel, async (host, token) => pushes[host] = await PushHostAsync(host, round, token));
        return new RoundResult(round, clock.Elapsed, pushes);
    }

    private async Task<PushSample> PushHostAsync(int host, int round, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var snapshot = _snapshots.Build(host, round, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        snapshot.Md5s.CopyTo(_latest, host * HostSnapshots.ObjectsPerHost);
        var pushStart = clock.Elapsed;
        var outcome = (await PushAgent.PushAsync(SyntheticFleet.HostName(host), snapshot.Objects, [_options.Server], _options.Ttl, _options.PushTimeout, cancellationToken, _ledgers[host], _pool[host % _pool.Length], _dictionaries, _options.History))[0];
        var total = clock.Elapsed;
        _firstPush.TrySetResult();
        // Round 1 into an empty server writes everything; the round after a training, the objects
        // given a new dictionary; otherwise only what changed since the round before.
        var expected = snapshot.Changed.Select((c, o) => c || (round == 1 && _options.FromEmpty) || (round == _retrainedRound && _retrained[o])).ToArray();
        return new PushSample(total.TotalMilliseconds, (total - pushStart).TotalMilliseconds, outcome.Written, outcome.Unchanged, expected.Count(e => e), outcome.BytesWritten, snapshot.RawBytes, outcome.Error);
    }

    private string[] Keys() =>
        Enumerable.Range(0, _options.Hosts)
            .SelectMany(h => SyntheticFleet.ObjectNames.Select(o => ObjectKey.Make(SyntheticFleet.HostName(h), o)))
            .ToArray();

    public async ValueTask DisposeAsync()
    {
        _snapshots.Dispose();
        _dictionaries.Dispose();
        foreach (var connections in _pool)
        {
            await connections.DisposeAsync();
        }
    }
}
