using System.Text.RegularExpressions;

namespace SysopsFast.Grep;

/// <summary>
/// Instances of one regular expression for the workers that test lines at the same time. A
/// <see cref="Regex"/> is safe to share, but it keeps one matching runner: a second thread that
/// finds it taken builds a runner of its own (with NonBacktracking, tens of KB of state) and drops
/// it, which two workers did ~1,000 times per query. A worker rents an instance per test; when none
/// is free it shares the first, as before, and once such misses have cost more than building an
/// instance would (a long-lived process asking the pattern again), one more is built, up to one per core.
/// </summary>
internal sealed class RegexPool
{
    /// <summary>Misses (each likely a runner built and dropped) that pay for building one more instance (~4 MB, as much as ~400 runners; kept well above that so a one-shot query never builds).</summary>
    internal const int MissesPerInstance = 2000;

    private readonly Func<Regex> _build;
    private readonly Regex _first;
    private readonly Regex?[] _free;
    private int _instances = 1;
    private int _misses;

    public RegexPool(Regex first, Func<Regex> build)
    {
        _first = first;
        _build = build;
        _free = new Regex?[Math.Max(1, Environment.ProcessorCount)];
        _free[0] = first;
    }

    /// <summary>A free instance, or the first shared when none is.</summary>
    public Lease Rent()
    {
        for (var i = 0; i < _free.Length; i++)
        {
            if (Volatile.Read(ref _free[i]) is not null && Interlocked.Exchange(ref _free[i], null) is { } regex)
            {
                return new Lease(this, regex, owned: true);
            }
        }
        if (Interlocked.Increment(ref _misses) % MissesPerInstance == 0 && Interlocked.Increment(ref _instances) <= _free.Length)
        {
            return new Lease(this, _build(), owned: true);
        }
        return new Lease(this, _first, owned: false);
    }

    /// <summary>Puts an owned instance back in a free slot.</summary>
    private void Return(Regex regex)
    {
        // There are as many slots as instances can exist, so one is free; a pass can miss it only
        // while other workers move instances, and the next pass finds it.
        var spin = default(SpinWait);
        while (true)
        {
            for (var i = 0; i < _free.Length; i++)
            {
                if (Interlocked.CompareExchange(ref _free[i], regex, null) is null)
                {
                    return;
                }
            }
            spin.SpinOnce();
        }
    }

    /// <summary>An instance in use, given back when disposed (a shared one was never taken).</summary>
    internal readonly struct Lease(RegexPool pool, Regex regex, bool owned) : IDisposable
    {
        public Regex Regex => regex;

        /// <summary>Taken from the pool (not the first, shared because none was free).</summary>
        public bool Owned => owned;

        public void Dispose()
        {
            if (owned)
            {
                pool.Return(regex);
            }
        }
    }
}
