using System.Text;
using System.Text.RegularExpressions;

namespace SysopsFast.Grep;

/// <summary>
/// Where a match is, as POSIX and GNU grep have it: the leftmost, and of those the longest (the
/// engine, like Perl, takes the first alternative that matches: "ab|abab" gives "ab" where POSIX
/// gives "abab"; and from some starts it reports a later match than the leftmost). A Thompson
/// automaton over the parsed expression runs over whole characters, all its states at once, each
/// tagged with where its match started: linear in the text it reads times its size, with no
/// backtracking. Anchors and word boundaries are the engine's, so both select the same lines.
/// </summary>
internal sealed class LongestMatchAutomaton
{
    /// <summary>
    /// States beyond which no automaton is built (each costs a few bytes and every step may visit
    /// it): intervals multiply states, "(a{100}){100}" has 10,000.
    /// </summary>
    public const int MaxStates = 100_000;

    private enum Kind : byte { Character, Split, Assert, Accept }

    private readonly record struct State(Kind Kind, int Next, CharacterNode? Character = null, int[]? Branches = null, Assertion Assertion = default);

    private readonly State[] _states;
    private readonly int _start;
    private readonly int[] _mark;
    private readonly Stack<int> _pending = new();
    private int _generation;
    private Threads _current;
    private Threads _next;
    private int _bestStart;
    private int _bestEnd;

    /// <summary>The states alive at one position, each with where its match started, earliest start first.</summary>
    private struct Threads(int capacity)
    {
        public readonly int[] States = new int[capacity];
        public readonly int[] Starts = new int[capacity];
        public int Count;
    }

    private LongestMatchAutomaton(State[] states, int start)
    {
        _states = states;
        _start = start;
        _mark = new int[states.Length];
        _current = new Threads(states.Length);
        _next = new Threads(states.Length);
    }

    /// <summary>The automaton for <paramref name="tree"/>, or null when it would be larger than <see cref="MaxStates"/>.</summary>
    public static LongestMatchAutomaton? TryCreate(RegexNode tree)
    {
        var builder = new Builder();
        var accept = builder.Add(new State(Kind.Accept, -1));
        var start = builder.Compile(tree, accept);
        return start < 0 ? null : new LongestMatchAutomaton(builder.States.ToArray(), start);
    }

    /// <summary>The same automaton with its own scratch space (one per worker).</summary>
    public LongestMatchAutomaton Clone() => new(_states, _start);

    /// <summary>
    /// The leftmost match that starts at or after <paramref name="from"/> (only at it when
    /// <paramref name="anchored"/>), the longest of those that start there, ending at or before
    /// <paramref name="limit"/> (char indexes). Below the line's end the limit reads as glibc's
    /// truncated string does (GNU grep -w's shorter retry): $ cannot match there, and nothing
    /// follows it for a word boundary.
    /// </summary>
    public bool Find(ReadOnlySpan<char> line, int from, int limit, bool anchored, out int matchStart, out int matchEnd)
    {
        var context = new Context(line, limit);
        _bestStart = _bestEnd = -1;
        _generation++;
        _current.Count = 0;
        Closure(_start, from, from, context, ref _current);
        var at = from;
        while (at < limit && (_current.Count > 0 || _bestStart < 0 && !anchored))
        {
            var width = char.IsHighSurrogate(line[at]) && at + 1 < limit && char.IsLowSurrogate(line[at + 1]) ? 2 : 1;
            var c = width == 2 ? char.ConvertToUtf32(line[at], line[at + 1]) : line[at];
            at += width;
            _generation++;
            _next.Count = 0;
            for (var i = 0; i < _current.Count; i++)
            {
                var started = _current.Starts[i];
                if (_bestStart >= 0 && started > _bestStart)
                {
                    break; // a match further left is found: later starts cannot win
                }
                var state = _states[_current.States[i]];
                if (Matches(state.Character!, c))
                {
                    Closure(state.Next, at, started, context, ref _next);
                }
            }
            if (_bestStart < 0 && !anchored)
            {
                Closure(_start, at, at, context, ref _next); // a match may start here, after every earlier one
            }
            (_current, _next) = (_next, _current);
        }
        matchStart = _bestStart;
        matchEnd = _bestEnd;
        return _bestStart >= 0;
    }

    private static bool Matches(CharacterNode node, int c) => node.Negated ? c != '\n' && !node.Set.Contains(c) : node.Set.Contains(c);

    /// <summary>
    /// Adds the character states reachable from <paramref name="from"/> at <paramref name="at"/>
    /// without reading, skipping those already added at this position (an earlier start has them);
    /// reaching the end records a match.
    /// </summary>
    private void Closure(int from, int at, int started, in Context context, ref Threads into)
    {
        _pending.Push(from);
        while (_pending.TryPop(out var s))
        {
            if (_mark[s] == _generation)
            {
                continue;
            }
            _mark[s] = _generation;
            var state = _states[s];
            switch (state.Kind)
            {
                case Kind.Character:
                    into.States[into.Count] = s;
                    into.Starts[into.Count++] = started;
                    break;
                case Kind.Accept when _bestStart < 0 || started < _bestStart || started == _bestStart && at > _bestEnd:
                    (_bestStart, _bestEnd) = (started, at);
                    break;
                case Kind.Assert when context.Holds(state.Assertion, at):
                    _pending.Push(state.Next);
                    break;
                case Kind.Split:
                    for (var i = state.Branches!.Length - 1; i >= 0; i--)
                    {
                        _pending.Push(state.Branches[i]);
                    }
                    break;
            }
        }
    }

    /// <summary>What anchors see at a position: the line, and where the text (maybe truncated) ends.</summary>
    private readonly ref struct Context(ReadOnlySpan<char> line, int limit)
    {
        private readonly ReadOnlySpan<char> _line = line;

        public bool Holds(Assertion kind, int at) => kind switch
        {
            Assertion.LineStart => at == 0,
            Assertion.LineEnd => at == _line.Length && limit == _line.Length,
            Assertion.WordBoundary => IsWord(at - 1) != IsWord(at),
            _ => IsWord(at - 1) == IsWord(at),
        };

        private bool IsWord(int i) => i >= 0 && i < limit && EngineWordCharacters.Contains(_line[i]);
    }

    /// <summary>The characters the engine's \b sees as word characters (UTF-16 units), asked of the engine once.</summary>
    private static class EngineWordCharacters
    {
        private static readonly bool[] Table = Build();

        public static bool Contains(char c) => Table[c];

        private static bool[] Build()
        {
            var boundary = new Regex(@"\b", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            var table = new bool[char.MaxValue + 1];
            Span<char> one = stackalloc char[1];
            for (var c = 0; c <= char.MaxValue; c++)
            {
                one[0] = (char)c;
                table[c] = boundary.IsMatch(one);
            }
            return table;
        }
    }

    /// <summary>Thompson's construction, back to front: each node is compiled with the state that follows it.</summary>
    private sealed class Builder
    {
        public List<State> States { get; } = [];

        public int Add(State state)
        {
            States.Add(state);
            return States.Count - 1;
        }

        /// <summary>The first state of <paramref name="node"/> followed by <paramref name="next"/>, or -1 when too large.</summary>
        public int Compile(RegexNode node, int next)
        {
            if (next < 0 || States.Count > MaxStates)
            {
                return -1;
            }
            switch (node)
            {
                case CharacterNode c:
                    return Add(new State(Kind.Character, next, Character: c));
                case AssertionNode a:
                    return Add(new State(Kind.Assert, next, Assertion: a.Kind));
                case SequenceNode s:
                    for (var i = s.Items.Count - 1; i >= 0; i--)
                    {
                        next = Compile(s.Items[i], next);
                    }
                    return next;
                case ChoiceNode c:
                    var branches = c.Branches.Select(b => Compile(b, next)).ToArray();
                    return branches.Contains(-1) ? -1 : Add(new State(Kind.Split, -1, Branches: branches));
                case RepeatNode r:
                    return Repeat(r, next);
                default:
                    throw new InvalidOperationException(node.GetType().Name);
            }
        }

        /// <summary>Min copies, then a loop (unbounded) or max - min nested optional copies.</summary>
        private int Repeat(RepeatNode r, int next)
        {
            int tail;
            if (r.Max < 0)
            {
                tail = Add(new State(Kind.Split, -1));
                var body = Compile(r.Body, tail);
                if (body < 0)
                {
                    return -1;
                }
                States[tail] = States[tail] with { Branches = [body, next] };
            }
            else
            {
                tail = next;
                for (var i = 0; i < r.Max - r.Min && tail >= 0; i++)
                {
                    var body = Compile(r.Body, tail);
                    tail = body < 0 ? -1 : Add(new State(Kind.Split, -1, Branches: [body, next]));
                }
            }
            for (var i = 0; i < r.Min && tail >= 0; i++)
            {
                tail = Compile(r.Body, tail);
            }
            return tail;
        }
    }
}
