using System.Globalization;
using System.Text;

namespace SysopsFast.Grep;

/// <summary>
/// A set of Unicode code points (sorted, disjoint ranges), written out as a .NET regex that
/// consumes one whole character: .NET works on UTF-16 units, so a character above U+FFFF is a
/// surrogate pair and a set holding such characters is an alternation of pairs.
/// </summary>
internal sealed class CodePointSet
{
    private const int MaxCodePoint = 0x10FFFF;
    private const int SurrogateFirst = 0xD800;
    private const int SurrogateLast = 0xDFFF;

    private static readonly Dictionary<string, CodePointSet> Classes = [];
    private static (int From, int To)[]? _counterparts;

    private readonly List<(int Lo, int Hi)> _ranges = [];

    public bool IsEmpty => _ranges.Count == 0;

    public bool IsSingleCodePoint => _ranges.Count == 1 && _ranges[0].Lo == _ranges[0].Hi;

    public bool IsAsciiOnly => _ranges.All(r => r.Hi < 0x80);

    /// <summary>
    /// Whether GNU grep -i's case counterparts of every character of <paramref name="text"/> are
    /// ASCII, so that ASCII case folding finds exactly what -i finds ("s" is not: it also matches
    /// U+017F, the long s; "i" matches U+0131).
    /// </summary>
    public static bool FoldsWithinAscii(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c >= 0x80)
            {
                return false;
            }
            if (char.IsAsciiLetter(c))
            {
                var set = new CodePointSet();
                set.Add(c, c);
                set.AddCaseCounterparts();
                if (!set.IsAsciiOnly)
                {
                    return false;
                }
            }
        }
        return true;
    }

    public void Add(int lo, int hi)
    {
        _ranges.Add((lo, hi));
        Normalize();
    }

    public void Add(CodePointSet other)
    {
        _ranges.AddRange(other._ranges);
        Normalize();
    }

    public bool Contains(int c)
    {
        var lo = 0;
        var hi = _ranges.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (c < _ranges[mid].Lo)
            {
                hi = mid - 1;
            }
            else if (c > _ranges[mid].Hi)
            {
                lo = mid + 1;
            }
            else
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True when every member is an ASCII letter, digit or underscore.</summary>
    public bool IsAsciiWordOnly() =>
        !IsEmpty && _ranges.All(r => r.Hi < 0x80 && Enumerable.Range(r.Lo, r.Hi - r.Lo + 1).All(c => char.IsAsciiLetterOrDigit((char)c) || c == '_'));

    /// <summary>A POSIX class as glibc's C.UTF-8 locale defines it (the caller checks the name).</summary>
    public static CodePointSet Class(string name)
    {
        lock (Classes)
        {
            if (!Classes.TryGetValue(name, out var set))
            {
                set = Parse(PosixClassData.Class(name));
                Classes[name] = set;
            }
            var copy = new CodePointSet();
            copy.Add(set);
            return copy;
        }
    }

    /// <summary>Adds what GNU grep -i also matches for each member (its other cases).</summary>
    public void AddCaseCounterparts()
    {
        var added = new CodePointSet();
        foreach (var (from, to) in Counterparts())
        {
            if (Contains(from))
            {
                added._ranges.Add((to, to));
            }
        }
        Add(added);
    }

    /// <summary>The set as a .NET regex of one character; negated: any character but these and a newline.</summary>
    public string ToDotNet(bool negated)
    {
        var astral = negated ? Complement(Astral(), 0x10000) : Astral();
        var bmp = Bmp();
        var parts = new List<string>();
        if (negated)
        {
            parts.Add("[^\\n" + ClassBody(bmp) + Escape(SurrogateFirst) + "-" + Escape(SurrogateLast) + "]");
        }
        else if (bmp.Count > 0)
        {
            parts.Add("[" + ClassBody(bmp) + "]");
        }
        parts.AddRange(SurrogatePairs(astral));
        // A plain group, not (?:…): RegexLiteral gives up on any "(?" and the group costs nothing here.
        return parts.Count == 1 ? parts[0] : "(" + string.Join("|", parts) + ")";
    }

    private List<(int Lo, int Hi)> Bmp()
    {
        var bmp = new List<(int Lo, int Hi)>();
        foreach (var (lo, hi) in _ranges)
        {
            // Input is decoded UTF-8: it holds no lone surrogates, and a pair is handled as astral.
            AddClipped(bmp, lo, hi, 0, SurrogateFirst - 1);
            AddClipped(bmp, lo, hi, SurrogateLast + 1, 0xFFFF);
        }
        return bmp;
    }

    private List<(int Lo, int Hi)> Astral()
    {
        var astral = new List<(int Lo, int Hi)>();
        foreach (var (lo, hi) in _ranges)
        {
            AddClipped(astral, lo, hi, 0x10000, MaxCodePoint);
        }
        return astral;
    }

    private static void AddClipped(List<(int Lo, int Hi)> into, int lo, int hi, int min, int max)
    {
        var a = Math.Max(lo, min);
        var b = Math.Min(hi, max);
        if (a <= b)
        {
            into.Add((a, b));
        }
    }

    private static List<(int Lo, int Hi)> Complement(List<(int Lo, int Hi)> ranges, int min)
    {
        var result = new List<(int Lo, int Hi)>();
        var next = min;
        foreach (var (lo, hi) in ranges)
        {
            if (lo > next)
            {
                result.Add((next, lo - 1));
            }
            next = hi + 1;
        }
        if (next <= MaxCodePoint)
        {
            result.Add((next, MaxCodePoint));
        }
        return result;
    }

    /// <summary>
    /// Astral code points as high surrogate + low surrogate class alternatives: one for all the
    /// high surrogates whose every pair is in, one per distinct set of low surrogates for the
    /// others. Few alternatives keep the engine's automaton small.
    /// </summary>
    private static List<string> SurrogatePairs(List<(int Lo, int Hi)> astral)
    {
        var lows = new SortedDictionary<int, List<(int Lo, int Hi)>>();
        foreach (var (lo, hi) in astral)
        {
            for (var c = lo; c <= hi;)
            {
                var (high, low) = Split(c);
                var last = Math.Min(hi, c + (0xDFFF - low));
                if (!lows.TryGetValue(high, out var list))
                {
                    lows[high] = list = [];
                }
                list.Add((low, low + (last - c)));
                c = last + 1;
            }
        }
        var byLows = new Dictionary<string, List<(int Lo, int Hi)>>(StringComparer.Ordinal);
        foreach (var (high, list) in lows)
        {
            var body = ClassBody(list);
            if (!byLows.TryGetValue(body, out var highs))
            {
                byLows[body] = highs = [];
            }
            highs.Add((high, high));
        }
        return byLows.Select(kv => "[" + ClassBody(Merge(kv.Value)) + "][" + kv.Key + "]").ToList();
    }

    private static List<(int Lo, int Hi)> Merge(List<(int Lo, int Hi)> sorted)
    {
        var merged = new List<(int Lo, int Hi)>();
        foreach (var r in sorted)
        {
            if (merged.Count > 0 && r.Lo == merged[^1].Hi + 1)
            {
                merged[^1] = (merged[^1].Lo, r.Hi);
            }
            else
            {
                merged.Add(r);
            }
        }
        return merged;
    }

    private static (int High, int Low) Split(int c) => (0xD800 + ((c - 0x10000) >> 10), 0xDC00 + ((c - 0x10000) & 0x3FF));

    private static string ClassBody(List<(int Lo, int Hi)> ranges) => string.Concat(ranges.Select(r => Range(r.Lo, r.Hi)));

    private static string Range(int lo, int hi) => lo == hi ? Escape(lo) : Escape(lo) + "-" + Escape(hi);

    /// <summary>Letters and digits as themselves (readable); everything else as \uXXXX.</summary>
    private static string Escape(int c) =>
        c < 0x80 && char.IsAsciiLetterOrDigit((char)c) ? ((char)c).ToString() : "\\u" + c.ToString("X4", CultureInfo.InvariantCulture);

    private void Normalize()
    {
        _ranges.Sort((a, b) => a.Lo.CompareTo(b.Lo));
        var merged = new List<(int Lo, int Hi)>(_ranges.Count);
        foreach (var r in _ranges)
        {
            if (merged.Count > 0 && r.Lo <= merged[^1].Hi + 1)
            {
                merged[^1] = (merged[^1].Lo, Math.Max(merged[^1].Hi, r.Hi));
            }
            else
            {
                merged.Add(r);
            }
        }
        _ranges.Clear();
        _ranges.AddRange(merged);
    }

    private static CodePointSet Parse(string data)
    {
        var set = new CodePointSet();
        foreach (var item in data.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var dash = item.IndexOf('-', StringComparison.Ordinal);
            var lo = Hex(dash < 0 ? item : item[..dash]);
            set._ranges.Add((lo, dash < 0 ? lo : Hex(item[(dash + 1)..])));
        }
        set.Normalize();
        return set;
    }

    private static (int From, int To)[] Counterparts() =>
        LazyInitializer.EnsureInitialized(ref _counterparts, () =>
            PosixClassData.CaseCounterparts.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split(':'))
                .Select(p => (Hex(p[0]), Hex(p[1])))
                .ToArray());

    private static int Hex(string s) => int.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>For tests: the ranges as text.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var (lo, hi) in _ranges)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{lo:x}-{hi:x} ");
        }
        return sb.ToString().TrimEnd();
    }
}
