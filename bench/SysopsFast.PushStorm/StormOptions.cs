using SysopsFast.Redis;

namespace SysopsFast.Storm;

/// <summary>What a push storm does; the defaults are bench/macro/push-storm.sh's.</summary>
internal sealed record StormOptions
{
    public int Hosts { get; init; } = 24000;

    /// <summary>Hosts pushing at once.</summary>
    public int Concurrency { get; init; } = 64;

    /// <summary>Pushes per host, one round after the other.</summary>
    public int Rounds { get; init; } = 2;

    public ServerAddress Server { get; init; } = ServerAddress.Default;

    public ulong Seed { get; init; } = 1;

    /// <summary>Objects that change from one round to the next (round 1 against the generated fleet).</summary>
    public double ChangedFraction { get; init; } = 0.05;

    /// <summary>
    /// Write the generated fleet before the storm (as <c>fleet generate --codec lz4</c>), so the
    /// headline is measured idle first and round 1 finds every object stored; otherwise round 1
    /// is every host's first push into an empty server.
    /// </summary>
    public bool Fill { get; init; } = true;

    /// <summary>
    /// The server already holds the fleet as round N of an earlier storm of the same seed left it
    /// (0: as <c>fleet generate</c> wrote it, any codec): nothing is filled, and the rounds pushed
    /// are N + 1 onwards, so that a script can measure the server between rounds. Null: not given.
    /// </summary>
    public int? AfterRound { get; init; }

    /// <summary>Whether the storm starts from an empty server (round 1 then writes everything).</summary>
    public bool FromEmpty => !Fill && AfterRound is null;

    /// <summary>The first round this storm pushes.</summary>
    public int FirstRound => (AfterRound ?? 0) + 1;

    /// <summary>The versions each changed object keeps, as push's --history (null: push's default).</summary>
    public Push.HistoryRetention? History { get; init; }

    /// <summary>
    /// The trailer of a changed object is a <c>key = value</c> line (<c>push-storm.changed = ROUND</c>)
    /// instead of a comment, so that <c>kv</c> sees the change too.
    /// </summary>
    public bool KvTrailer { get; init; }

    /// <summary>A headline query starts this often while the storm runs (right after the last one if it took longer); null: none.</summary>
    public TimeSpan? QueryEvery { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Headline queries measured before the storm (with <see cref="Fill"/>).</summary>
    public int IdleQueries { get; init; } = 10;

    /// <summary>Connections the simulated hosts share, host i on connection i mod N.</summary>
    public int Connections { get; init; } = 4;

    /// <summary>
    /// Dictionaries as production gets them: after round <see cref="TrainAfter"/> (LZ4 until then,
    /// no dictionary existing), `dict train`'s library call publishes them, and the later rounds
    /// compress with them (the hosts share one dictionary cache, as each host's own is warm after
    /// its first fetch).
    /// </summary>
    public bool Dictionaries { get; init; }

    /// <summary>The round after which <see cref="Dictionaries"/> are trained.</summary>
    public int TrainAfter { get; init; } = 1;

    /// <summary>Record expiry, as push's --ttl.</summary>
    public TimeSpan? Ttl { get; init; } = TimeSpan.FromHours(6);

    /// <summary>Push's --timeout: how long one host waits for the server.</summary>
    public TimeSpan PushTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public static StormOptions Read(OptionReader reader)
    {
        var d = new StormOptions();
        var every = reader.Count("--query-every", (int)d.QueryEvery!.Value.TotalMilliseconds, 0);
        var ttl = reader.Count("--ttl", (int)d.Ttl!.Value.TotalSeconds, 0);
        return new StormOptions
        {
            Hosts = reader.Count("--hosts", d.Hosts, 1),
            Concurrency = reader.Count("--concurrency", d.Concurrency, 1),
            Rounds = reader.Count("--rounds", d.Rounds, 1),
            Server = ServerAddress.Parse(reader.Text("--server") ?? d.Server.ToString()),
            Seed = (ulong)reader.Count("--seed", (int)d.Seed, 0),
            ChangedFraction = reader.Fraction("--changed", d.ChangedFraction),
            Fill = !reader.Flag("--no-fill") && reader.Text("--after-round") is null,
            AfterRound = reader.Text("--after-round") is null ? null : reader.Count("--after-round", 0, 0),
            History = reader.Text("--history") is { } history ? Push.HistoryRetention.Parse(history, null) : null,
            KvTrailer = reader.Flag("--kv-trailer"),
            Dictionaries = reader.Flag("--dictionaries"),
            TrainAfter = reader.Count("--train-after", d.TrainAfter, 1),
            QueryEvery = every == 0 ? null : TimeSpan.FromMilliseconds(every),
            IdleQueries = reader.Count("--idle-queries", d.IdleQueries, 1),
            Connections = reader.Count("--connections", d.Connections, 1),
            Ttl = ttl == 0 ? null : TimeSpan.FromSeconds(ttl),
            PushTimeout = TimeSpan.FromSeconds(reader.Count("--timeout", (int)d.PushTimeout.TotalSeconds, 1)),
        };
    }
}
