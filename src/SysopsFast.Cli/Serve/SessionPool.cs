namespace SysopsFast.Cli.Serve;

/// <summary>
/// serve's open connections between requests: idle <see cref="FleetSession"/>s kept per Redis
/// identity (serve's own, or one HTTP Basic user and password). A request takes one of its
/// identity's (or opens one) and has it alone while it runs, so a request skips connecting and the
/// handshake, never uses another identity's connections, and one stopped mid-query closes only its
/// own. A session is kept only after a request on it ended well, so a wrong password neither enters
/// the pool nor evicts anyone from it. At most <see cref="MaxIdentities"/> identities are kept (the
/// least recently used one makes room), and as many sessions each as queries may run at once; a
/// session idle for <see cref="IdleClose"/>, or older than <see cref="MaxAge"/> (so that a password
/// changed in Redis is asked for again), is closed.
/// </summary>
internal sealed class SessionPool : IAsyncDisposable
{
    public const int MaxIdentities = 32;

    public static readonly TimeSpan IdleClose = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    private readonly int _perIdentity;
    private readonly Lock _lock = new();
    private readonly Dictionary<Identity, Stack<Idle>> _idle = [];
    private readonly Timer _sweeper;

    /// <param name="perIdentity">Sessions kept per identity at most: the queries that may run at once.</param>
    public SessionPool(int perIdentity)
    {
        _perIdentity = perIdentity;
        _sweeper = new Timer(_ => _ = SweepAsync(), null, IdleClose / 4, IdleClose / 4);
    }

    /// <summary>A Basic user and password, or (null, null): serve's own.</summary>
    internal readonly record struct Identity(string? User, string? Password);

    /// <summary>A session no request uses, since when, and since when it exists.</summary>
    private sealed record Idle(FleetSession Session, long Opened, long Since)
    {
        public bool Expired(long now) => now - Opened > MaxAge.TotalMilliseconds || now - Since > IdleClose.TotalMilliseconds;
    }

    /// <summary>The identities kept now (for /metrics).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>A session of its own for a request with <paramref name="credentials"/> (null: serve's own); give it back with <see cref="Lease.ReturnAsync"/>.</summary>
    public Lease Rent((string User, string Password)? credentials)
    {
        var identity = new Identity(credentials?.User, credentials?.Password);
        List<FleetSession> expired = [];
        Lease? lease = null;
        lock (_lock)
        {
            var now = Environment.TickCount64;
            while (lease is null && _idle.TryGetValue(identity, out var idle) && idle.TryPop(out var kept))
            {
                if (kept.Expired(now))
                {
                    expired.Add(kept.Session);
                }
                else
                {
                    lease = new Lease(this, identity, kept.Session, kept.Opened);
                }
                if (idle.Count == 0)
                {
                    _idle.Remove(identity);
                }
            }
        }
        // Closed on the thread pool: the request does not wait for their sockets.
        _ = CloseAsync(expired);
        return lease ?? new Lease(this, identity, new FleetSession(), Environment.TickCount64);
    }

    /// <summary>A request's session.</summary>
    internal sealed class Lease(SessionPool pool, Identity identity, FleetSession session, long opened)
    {
        private int _returned;

        public FleetSession Session => session;

        /// <summary>The request was stopped: its sockets close now, so Redis never runs what it sent and had not answered.</summary>
        public void Abort() => _ = session.AbortAsync();

        /// <summary>
        /// Ends the request's use. <paramref name="keep"/> false (it was stopped with commands in
        /// flight, which Redis must not run, or Redis refused its credentials): the session is closed.
        /// </summary>
        public Task ReturnAsync(bool keep) => Interlocked.Exchange(ref _returned, 1) == 0 ? pool.ReturnAsync(identity, session, opened, keep) : Task.CompletedTask;
    }

    private async Task ReturnAsync(Identity identity, FleetSession session, long opened, bool keep)
    {
        List<FleetSession> closing = [session];
        lock (_lock)
        {
            var now = Environment.TickCount64;
            var idle = new Idle(session, opened, now);
            if (keep && !idle.Expired(now) && Room(identity, closing) is { } kept)
            {
                kept.Push(idle);
                closing.Remove(session);
            }
        }
        await CloseAsync(closing);
    }

    /// <summary>Where <paramref name="identity"/>'s idle sessions go, making room by dropping the least recently used identity; null when it has as many as it may keep.</summary>
    private Stack<Idle>? Room(Identity identity, List<FleetSession> closing)
    {
        if (_idle.TryGetValue(identity, out var kept))
        {
            return kept.Count < _perIdentity ? kept : null;
        }
        if (_idle.Count >= MaxIdentities)
        {
            var oldest = _idle.MinBy(p => p.Value.Max(i => i.Since)).Key;
            closing.AddRange(_idle[oldest].Select(i => i.Session));
            _idle.Remove(oldest);
        }
        return _idle[identity] = new Stack<Idle>();
    }

    private static async Task CloseAsync(List<FleetSession> sessions)
    {
        foreach (var s in sessions)
        {
            try
            {
                await s.DisposeAsync();
            }
            catch (Exception)
            {
                // Nobody awaits a close (a request's return, the sweep): one that fails must not keep the others open.
            }
        }
    }

    /// <summary>Closes the sessions idle too long or too old.</summary>
    private Task SweepAsync()
    {
        List<FleetSession> closing = [];
        lock (_lock)
        {
            var now = Environment.TickCount64;
            foreach (var (identity, idle) in _idle.ToList())
            {
                var live = idle.Where(i => !i.Expired(now)).Reverse().ToList();
                closing.AddRange(idle.Where(i => i.Expired(now)).Select(i => i.Session));
                if (live.Count == 0)
                {
                    _idle.Remove(identity);
                }
                else if (live.Count < idle.Count)
                {
                    _idle[identity] = new Stack<Idle>(live);
                }
            }
        }
        return CloseAsync(closing);
    }

    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync();
        List<FleetSession> closing;
        lock (_lock)
        {
            closing = [.. _idle.Values.SelectMany(i => i.Select(s => s.Session))];
            _idle.Clear();
        }
        await CloseAsync(closing);
    }
}
