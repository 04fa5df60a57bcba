using SysopsFast.Format;

namespace SysopsFast.Pipeline;

/// <summary>
/// What one query reads from each line delta base it meets (which lines a grep selects, which
/// pairs a kv wants), made once, by the first worker that meets the base (under a lock: the
/// others wait for it), and then shared: it must be immutable once made.
/// </summary>
internal sealed class PerBase<T>
    where T : class
{
    private readonly Dictionary<LineBase, T> _byBase = new(ReferenceEqualityComparer.Instance);

    /// <summary>The base's value, made by <paramref name="make"/> (on the caller's thread, with the caller's <paramref name="state"/>) if it is the first to ask.</summary>
    public T For<TState>(LineBase lineBase, TState state, Func<LineBase, TState, T> make)
    {
        lock (_byBase)
        {
            if (!_byBase.TryGetValue(lineBase, out var value))
            {
                value = make(lineBase, state);
                _byBase.Add(lineBase, value);
            }
            return value;
        }
    }
}
