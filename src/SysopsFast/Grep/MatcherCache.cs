using System.Collections.Concurrent;

namespace SysopsFast.Grep;

/// <summary>
/// Matchers already built, by pattern and every option that changes what matches, so a long-lived
/// process pays once for a pattern it asks again (building a regular expression allocates
/// megabytes, and its automaton grows warm as it is used). Thread-safe; bounded: when full it is
/// emptied, so a process that asks ever new patterns holds at most <c>capacity</c> of them (a regular
/// expression up to once per core: <see cref="RegexPool"/>).
/// </summary>
internal sealed class MatcherCache(int capacity)
{
    private readonly ConcurrentDictionary<MatcherKey, IMatcher> _built = new();

    /// <summary>The matcher of <paramref name="key"/>, built by <paramref name="build"/> if not held (a failure is not kept).</summary>
    public IMatcher GetOrAdd(MatcherKey key, Func<MatcherKey, IMatcher> build)
    {
        if (_built.TryGetValue(key, out var matcher))
        {
            return matcher;
        }
        if (_built.Count >= capacity)
        {
            _built.Clear();
        }
        return _built.GetOrAdd(key, build);
    }

    /// <summary>How many matchers are held (for tests).</summary>
    public int Count => _built.Count;
}

/// <summary>A pattern and the options that change its matching (<see cref="MatcherFactory.Create"/>'s arguments).</summary>
internal readonly record struct MatcherKey(string Pattern, bool Regex, bool IgnoreCase, bool WholeLine, bool WholeWord);
