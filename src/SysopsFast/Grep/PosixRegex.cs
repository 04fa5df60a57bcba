using System.Globalization;
using System.Text;

namespace SysopsFast.Grep;

/// <summary>
/// Translates GNU grep's extended regular expressions (<c>grep -E</c> in a UTF-8 locale) into .NET
/// patterns for <see cref="System.Text.RegularExpressions.RegexOptions.NonBacktracking"/> that
/// select exactly the same lines. What cannot be translated exactly (back-references, escapes GNU
/// leaves undefined such as \d) is refused with an error, never approximated; what GNU itself
/// rejects (unbalanced parentheses or brackets, bad ranges) is an error too.
/// </summary>
/// <remarks>
/// Each line is matched on its own, so ^ and $ (and \` \') are line anchors wherever they appear.
/// Characters are whole code points (a surrogate pair is one character), POSIX classes and -i case
/// counterparts are glibc's C.UTF-8 ones (<see cref="PosixClassData"/>). Word boundaries use the
/// engine's word characters, which are GNU's for ASCII.
/// </remarks>
internal static class PosixRegex
{
    /// <summary>GNU's largest repetition count (RE_DUP_MAX).</summary>
    public const int MaxRepeat = 32767;

    public static string ToDotNet(string ere) => ToDotNet(ere, ignoreCase: false);

    /// <param name="ignoreCase">Fold case as GNU grep -i does; the result is then matched case-sensitively.</param>
    /// <param name="ere">A GNU extended regular expression.</param>
    public static string ToDotNet(string ere, bool ignoreCase) => Parse(ere, ignoreCase).DotNet;

    /// <summary>
    /// The .NET pattern that selects GNU's lines, and the tree of where matches are (-o, -w,
    /// colour): GNU grep always asks glibc's regex for those, so the tree is glibc's reading.
    /// </summary>
    public static (string DotNet, RegexNode Tree) Parse(string ere, bool ignoreCase)
    {
        ArgumentNullException.ThrowIfNull(ere);
        var first = new Translator(ere, ignoreCase, regexReading: false);
        var result = first.Run();
        if (first.NeedsRegexReading)
        {
            return new Translator(ere, ignoreCase, regexReading: true).Run();
        }
        try
        {
            return (result.DotNet, new Translator(ere, ignoreCase, regexReading: true).Run().Tree);
        }
        catch (SysopsFastException)
        {
            return result; // glibc's reading is refused as ambiguous ('{' after an anchor): the DFA's, as for the lines
        }
    }

    /// <summary>One translated piece of a branch, with what word-boundary checks need to know of it.</summary>
    private sealed record Piece(string Text, RegexNode Node, bool Atomic, bool StartsWord = false, bool EndsWord = false, bool Anchor = false, bool RepeatsNothing = false);

    /// <remarks>
    /// GNU grep reads a pattern twice: with its DFA, and with glibc's regex, which decides whenever
    /// the pattern holds something the DFA cannot do in a UTF-8 locale (\w \s \b \&lt; and the like,
    /// [^…], ranges other than digits, classes other than [:digit:], [=c=], [.c.]). The two differ
    /// on repetition with nothing before it: glibc drops only the '{' of a leading interval ("{2}a"
    /// is the text "2}a") and drops any repetition right after an anchor ("^*" is "^"), where the
    /// DFA repeats the empty string or the anchor. <paramref name="regexReading"/> is glibc's reading.
    /// </remarks>
    private sealed class Translator(string ere, bool ignoreCase, bool regexReading)
    {
        private int _pos;

        /// <summary>Set when the pattern holds something that makes GNU grep decide with glibc's regex.</summary>
        public bool NeedsRegexReading { get; private set; }

        public (string DotNet, RegexNode Tree) Run()
        {
            var result = Alternation(depth: 0);
            // Alternation stops only at the end or at a ')' closing an open group.
            return _pos == ere.Length ? (result.Text, result.Node) : throw Fail("unmatched ) or \\)");
        }

        private Exception Fail(string why) => Errors.BadRegex(ere, why);

        private bool AtEnd => _pos >= ere.Length;

        private char Peek => ere[_pos];

        private Piece Alternation(int depth)
        {
            var branches = new List<Piece> { Branch(depth) };
            while (!AtEnd && Peek == '|')
            {
                _pos++;
                branches.Add(Branch(depth));
            }
            var text = string.Join("|", branches.Select(b => b.Text));
            var node = branches.Count == 1 ? branches[0].Node : new ChoiceNode(branches.Select(b => b.Node).ToList());
            return new Piece(text, node, branches.Count == 1 && branches[0].Atomic, branches.All(b => b.StartsWord), branches.All(b => b.EndsWord));
        }

        private Piece Branch(int depth)
        {
            CheckRepetitionBeforeParen(depth);
            SkipLeadingRepetitions();
            var pieces = new List<Piece>();
            var wordStartPending = false;
            while (!AtEnd && Peek != '|' && !(Peek == ')' && depth > 0))
            {
                var needed = NeedsRegexReading;
                var atom = Atom(depth, pieces, ref wordStartPending);
                if (atom.Anchor)
                {
                    CheckRepetitionBeforeParen(depth);
                }
                var piece = Repetitions(atom);
                if (piece.RepeatsNothing)
                {
                    NeedsRegexReading = needed; // the DFA drops x{0} whole, with what it could not do
                }
                if (wordStartPending && !ReferenceEquals(piece.Text, WordStart))
                {
                    RequireWord(piece.StartsWord, "\\<", "followed");
                    wordStartPending = false;
                }
                pieces.Add(piece);
            }
            if (wordStartPending)
            {
                RequireWord(false, "\\<", "followed");
            }
            var text = string.Concat(pieces.Select(p => p.Text));
            var node = pieces.Count == 1 ? pieces[0].Node : new SequenceNode(pieces.Select(p => p.Node).ToList());
            return new Piece(text, node, pieces.Count == 1 && pieces[0].Atomic, pieces.Count > 0 && pieces[0].StartsWord, pieces.Count > 0 && pieces[^1].EndsWord);
        }

        /// <summary>
        /// glibc skips repetition characters that have nothing to repeat (at the start of an
        /// expression, after an anchor) and then reads a ')' as text, so "(a|*)" or "(^*)" leave the
        /// group open: GNU grep rejects them.
        /// </summary>
        private void CheckRepetitionBeforeParen(int depth)
        {
            var i = _pos;
            while (i < ere.Length && ere[i] is '*' or '+' or '?' or '{')
            {
                i++;
            }
            if (i > _pos && i < ere.Length && ere[i] == ')' && depth > 0)
            {
                throw Fail("unmatched ( or \\(: GNU reads a ')' after a repetition of nothing as text");
            }
        }

        /// <summary>
        /// GNU applies *, +, ? or an interval at the start of an expression (or after '(' or '|') to
        /// the empty string: it matches nothing more, so it is dropped. An invalid interval there is
        /// literal text to the DFA; glibc drops the '{' of any interval there, valid or not.
        /// </summary>
        private void SkipLeadingRepetitions()
        {
            while (!AtEnd)
            {
                if (Peek is '*' or '+' or '?')
                {
                    _pos++;
                }
                else if (Peek == '{' && regexReading)
                {
                    _pos++;
                }
                else if (Peek == '{' && TryInterval(out _, out _, out var end) is IntervalKind.Valid)
                {
                    _pos = end;
                }
                else
                {
                    return;
                }
            }
        }

        private Piece Atom(int depth, List<Piece> before, ref bool wordStartPending)
        {
            var c = ere[_pos++];
            switch (c)
            {
                case '(':
                    var inner = Alternation(depth + 1);
                    if (AtEnd)
                    {
                        throw Fail("unmatched ( or \\(");
                    }
                    _pos++;
                    return inner with { Text = "(" + inner.Text + ")", Atomic = true };
                case '[':
                    var bracketStart = _pos;
                    var bracket = PosixBracket.Parse(ere, ref _pos, ignoreCase, Fail);
                    NeedsRegexReading |= bracket.NeedsRegexReading;
                    return Set(bracket.Set, bracket.Negated, bracket.WordOnly, wide: bracket.Negated || IsMultiByteBracket(ere[bracketStart.._pos]));
                case '.':
                    return Set(new CodePointSet(), negated: true);
                case '^':
                    return Anchor("^", Assertion.LineStart);
                case '$':
                    return Anchor("$", Assertion.LineEnd);
                case '\\':
                    return Escape(before, ref wordStartPending);
                default:
                    return Literal(c);
            }
        }

        private Piece Escape(List<Piece> before, ref bool wordStartPending)
        {
            if (AtEnd)
            {
                throw Fail("trailing backslash");
            }
            var c = ere[_pos++];
            NeedsRegexReading |= c is 'w' or 'W' or 's' or 'S' or 'b' or 'B' or '<' or '>';
            switch (c)
            {
                case >= '1' and <= '9':
                    throw Fail($"back-reference \\{c}: matching it needs a backtracking engine, which is never used so that no pattern can make a query hang");
                case 'w' or 'W':
                    return WordClass(negated: c == 'W');
                case 's' or 'S':
                    return Set(CodePointSet.Class("space"), negated: c == 'S', wide: true);
                // In a group: RegexLiteral would read the letters after \b as its argument.
                case 'b' or 'B':
                    return Anchor("(\\" + c + ")", c == 'b' ? Assertion.WordBoundary : Assertion.NotWordBoundary);
                case '<':
                    wordStartPending = true;
                    return Anchor(WordStart, Assertion.WordBoundary);
                case '>':
                    RequireWord(before.Count > 0 && before[^1].EndsWord, "\\>", "preceded");
                    return Anchor("(\\b)", Assertion.WordBoundary);
                case '`':
                    return Anchor("^", Assertion.LineStart);
                case '\'':
                    return Anchor("$", Assertion.LineEnd);
                default:
                    if (char.IsAsciiLetterOrDigit(c))
                    {
                        // GNU reads \d as a plain 'd' (behaviour it leaves undefined): rarely what is meant.
                        throw Fail($"\\{c} is not a GNU grep -E escape (GNU reads it as a plain '{c}'); write '{c}', or [[:digit:]], [[:space:]], [[:alpha:]] for a class");
                    }
                    _pos--;
                    return Literal(ere[_pos++]);
            }
        }

        private Piece WordClass(bool negated)
        {
            var set = CodePointSet.Class("alnum");
            set.Add('_', '_');
            return Set(set, negated, word: !negated, wide: true);
        }

        private static Piece Set(CodePointSet set, bool negated, bool word = false, bool wide = false) =>
            new(set.ToDotNet(negated), new CharacterNode(set, negated, wide), true, word, word);

        /// <summary>
        /// Whether glibc keeps this bracket's body (after '[' or "[^") as a multi-byte set in UTF-8:
        /// one with a class, [=c=], [.c.], a range or a non-ASCII character.
        /// </summary>
        private static bool IsMultiByteBracket(string body)
        {
            var inner = body.TrimEnd(']');
            return inner.Any(ch => ch >= 0x80) || inner.Contains("[:", StringComparison.Ordinal) || inner.Contains("[=", StringComparison.Ordinal)
                || inner.Contains("[.", StringComparison.Ordinal) || inner.Length > 2 && inner[1..^1].Contains('-', StringComparison.Ordinal);
        }

        private static Piece Anchor(string text, Assertion kind) => new(text, new AssertionNode(kind), false, Anchor: true);

        /// <summary>
        /// \&lt; and \&gt; are \b next to a character that is surely a word character; elsewhere they
        /// would need a look-ahead or look-behind, which the engine does not have.
        /// </summary>
        private void RequireWord(bool isWord, string escape, string how)
        {
            if (!isWord)
            {
                throw Fail($"{escape} is supported only when {how} by a letter, digit or _ that must be there (such as {escape}[a-z]+ or \\w); use \\b otherwise");
            }
        }

        private Piece Literal(char c)
        {
            if (char.IsHighSurrogate(c) && !AtEnd && char.IsLowSurrogate(Peek))
            {
                return Char(char.ConvertToUtf32(c, ere[_pos++]));
            }
            return Char(c);
        }

        private Piece Char(int c)
        {
            var word = c < 0x80 && (char.IsAsciiLetterOrDigit((char)c) || c == '_');
            var set = new CodePointSet();
            set.Add(c, c);
            if (ignoreCase)
            {
                set.AddCaseCounterparts();
                if (!set.IsSingleCodePoint)
                {
                    return Set(set, negated: false, word, wide: true);
                }
            }
            var node = new CharacterNode(set, Negated: false, Wide: ignoreCase); // glibc's -i is never byte-wise
            if (c > 0xFFFF)
            {
                return new Piece(char.ConvertFromUtf32(c), node, false);
            }
            return new Piece(EscapeChar((char)c), node, true, word, word);
        }

        /// <summary>Characters special to .NET are escaped; the rest stay as they are (RegexLiteral reads both).</summary>
        private static string EscapeChar(char c) =>
            c is '\\' or '*' or '+' or '?' or '|' or '{' or '}' or '[' or ']' or '(' or ')' or '^' or '$' or '.' or '#'
                ? "\\" + c
                : c.ToString();

        private const string WordStart = "(\\b)";

        private Piece Repetitions(Piece atom)
        {
            if (atom.Anchor && regexReading)
            {
                AfterAnchor();
                return atom;
            }
            while (!AtEnd)
            {
                string quantifier;
                int min, max;
                if (Peek is '*' or '+' or '?')
                {
                    quantifier = Peek.ToString();
                    (min, max) = Peek switch { '*' => (0, -1), '+' => (1, -1), _ => (0, 1) };
                    _pos++;
                }
                else if (Peek == '{')
                {
                    var kind = TryInterval(out min, out max, out var end);
                    if (kind == IntervalKind.NotAnInterval || kind is IntervalKind.MinAboveMax or IntervalKind.BadContent && atom.Anchor)
                    {
                        break; // GNU: a '{' that does not start an interval is literal
                    }
                    if (kind == IntervalKind.BadContent)
                    {
                        throw Fail("invalid content of \\{\\}: an interval is {n}, {n,}, {,m} or {n,m}");
                    }
                    if (kind == IntervalKind.MinAboveMax)
                    {
                        throw Fail("invalid content of {}: the minimum is above the maximum");
                    }
                    if (kind == IntervalKind.TooBig)
                    {
                        throw Fail($"regular expression too big: a repetition count above {MaxRepeat.ToString(CultureInfo.InvariantCulture)}");
                    }
                    quantifier = Quantifier(min, max);
                    _pos = end;
                }
                else
                {
                    break;
                }
                // A repeated repetition (a**, a+?, a{2}{3}) repeats the whole: group it, as .NET reads
                // a second quantifier as an error or as "lazy".
                var body = atom.Atomic ? atom.Text : "(" + atom.Text + ")";
                var keepsWord = quantifier is "+" || quantifier.StartsWith('{') && !quantifier.StartsWith("{0", StringComparison.Ordinal);
                var nothing = atom.RepeatsNothing || quantifier is "{0}" or "{0,0}";
                atom = new Piece(body + quantifier, new RepeatNode(atom.Node, min, max), false, keepsWord && atom.StartsWord, keepsWord && atom.EndsWord, RepeatsNothing: nothing);
            }
            return atom;
        }

        /// <summary>glibc's reading: repetition right after an anchor repeats nothing and is dropped.</summary>
        private void AfterAnchor()
        {
            if (!AtEnd && Peek == '{' && TryInterval(out _, out _, out _) is not IntervalKind.Valid)
            {
                if (_pos == ere.Length - 1)
                {
                    return; // "^{": the DFA's reading (the text '{') is the narrower one, and GNU's answer
                }
                // Elsewhere the DFA reads this '{' as text, glibc drops it: GNU's answer is neither reading.
                throw Fail("a '{' right after an anchor that does not start a valid interval is read two ways by GNU grep; escape it as \\{");
            }
            SkipLeadingRepetitions();
        }

        private static string Quantifier(int min, int max) => (min, max) switch
        {
            (0, -1) => "*",
            (1, -1) => "+",
            (_, -1) => "{" + min.ToString(CultureInfo.InvariantCulture) + ",}",
            _ when min == max => "{" + min.ToString(CultureInfo.InvariantCulture) + "}",
            _ => "{" + min.ToString(CultureInfo.InvariantCulture) + "," + max.ToString(CultureInfo.InvariantCulture) + "}",
        };

        private enum IntervalKind { NotAnInterval, Valid, MinAboveMax, TooBig, BadContent }

        /// <summary>
        /// {m}, {m,}, {,n}, {m,n} or {,} at the current '{' (max -1: unbounded). glibc refuses "{}"
        /// and a second ',' after the counts ("{1,2,3}"); other malformed intervals are text.
        /// </summary>
        private IntervalKind TryInterval(out int min, out int max, out int end)
        {
            var i = _pos + 1;
            min = ReadCount(ref i);
            max = min;
            var comma = i < ere.Length && ere[i] == ',';
            if (comma)
            {
                i++;
                min = Math.Max(min, 0);
                max = ReadCount(ref i);
            }
            end = i + 1;
            if (i < ere.Length && (comma ? ere[i] == ',' : ere[i] == '}' && min < 0))
            {
                return IntervalKind.BadContent;
            }
            if (i >= ere.Length || ere[i] != '}' || min < 0)
            {
                return IntervalKind.NotAnInterval;
            }
            if (min > MaxRepeat || max > MaxRepeat)
            {
                return IntervalKind.TooBig;
            }
            return max >= 0 && min > max ? IntervalKind.MinAboveMax : IntervalKind.Valid;
        }

        /// <summary>Digits as a count (capped just above the maximum), or -1 when there are none.</summary>
        private int ReadCount(ref int i)
        {
            var n = -1;
            for (; i < ere.Length && char.IsAsciiDigit(ere[i]); i++)
            {
                n = Math.Min(MaxRepeat + 1, Math.Max(n, 0) * 10 + (ere[i] - '0'));
            }
            return n;
        }
    }
}
