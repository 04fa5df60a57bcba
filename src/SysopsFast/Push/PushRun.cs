namespace SysopsFast.Push;

/// <summary>What a push run did: one outcome per server, and the notes worth telling.</summary>
public sealed record PushReport(IReadOnlyList<PushOutcome> Outcomes, IReadOnlyList<string> Notes)
{
    /// <summary>At least one server took the push.</summary>
    public bool AnySucceeded => Outcomes.Any(o => o.Succeeded);
}

/// <summary>
/// One run of the agent, in this order: take the lock (<see cref="PushLock"/>), wait the jitter
/// (<see cref="PushJitter"/>), connect every server (<see cref="PushConnector"/>: when none answers,
/// stop there, nothing run or written), collect the objects (<see cref="ObjectCollector"/>:
/// files, the hardware identification file, commands), push them (<see cref="PushAgent"/>, compressed with the
/// servers' dictionaries, kept in <see cref="DictionaryCache"/>) and save the ledger when a server
/// took them.
/// </summary>
public static class PushRun
{
    /// <param name="random">Draws the jitter (tests give a seeded one).</param>
    /// <param name="settings">What to push, and where.</param>
    /// <param name="cancellationToken">Stops the run (the lock is released).</param>
    public static async Task<PushReport> RunAsync(PushSettings settings, CancellationToken cancellationToken, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var held = PushLock.Acquire(settings.LockFile);
        await PushJitter.DelayAsync(settings.Jitter, random ?? Random.Shared, cancellationToken);
        await using var connections = new Redis.RedisConnections();
        var (live, down) = await PushConnector.ConnectAsync(connections, settings.Servers, settings.Timeout, cancellationToken);
        PushOutcome[] failed = [.. down.Select(d => new PushOutcome(d.Server.ToString(), 0, 0, Errors.Brief(d.Failure)))];
        if (live.Count == 0)
        {
            return new PushReport(failed, ["no server answered: nothing was pushed, no command run, the ledger left as it was"]);
        }
        var collected = await ObjectCollector.CollectAsync(settings, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), cancellationToken);
        var ledger = PushLedger.Load(settings.LedgerFile);
        using var dictionaries = DictionaryCache.OnDisk(settings.DictionaryCacheDirectory);
        var pushed = await PushAgent.PushAsync(settings.Hostname, collected.Objects, live, settings.Ttl, settings.Timeout, cancellationToken, ledger, connections, dictionaries, settings.History);
        var notes = collected.Notes.ToList();
        if (pushed.Any(o => o.Succeeded))
        {
            // Nothing was taken when every server failed: the ledger stays as it was.
            notes.AddRange(new[] { ledger.Save(), dictionaries.Warning }.OfType<string>());
        }
        return new PushReport([.. failed, .. pushed], notes);
    }
}
