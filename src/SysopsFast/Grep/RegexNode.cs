namespace SysopsFast.Grep;

/// <summary>
/// A GNU extended regular expression as <see cref="PosixRegex"/> reads it: the same reading as the
/// .NET pattern it writes, kept as a tree so that <see cref="LongestMatchAutomaton"/> can find the
/// longest match POSIX asks for (the engine gives the first alternative's).
/// </summary>
internal abstract record RegexNode
{
    public static readonly RegexNode Empty = new SequenceNode([]);

    /// <summary>
    /// Whether glibc matches it byte by byte in UTF-8 (no multi-byte set, no word boundary, no -i),
    /// which lets an empty match start inside a multi-byte character (GNU grep -w looks there),
    /// and it matches the empty string where no anchor holds.
    /// </summary>
    public bool MatchesEmptyInsideCharacter() => MatchesEmptyWithoutAnchors() && !Nodes().Any(n => n is CharacterNode { Wide: true } or AssertionNode { Kind: Assertion.WordBoundary or Assertion.NotWordBoundary });

    private IEnumerable<RegexNode> Nodes() => this switch
    {
        SequenceNode s => s.Items.SelectMany(i => i.Nodes()),
        ChoiceNode c => c.Branches.SelectMany(b => b.Nodes()),
        RepeatNode r => r.Body.Nodes(),
        _ => [this],
    };

    private bool MatchesEmptyWithoutAnchors() => this switch
    {
        SequenceNode s => s.Items.All(i => i.MatchesEmptyWithoutAnchors()),
        ChoiceNode c => c.Branches.Any(b => b.MatchesEmptyWithoutAnchors()),
        RepeatNode r => r.Min == 0 || r.Body.MatchesEmptyWithoutAnchors(),
        _ => false,
    };
}

/// <summary>
/// One character of the set (negated: any character but these and a newline). Wide: glibc reads
/// it as a multi-byte set (a class, range, negated or non-ASCII bracket, \w \s, any -i character).
/// </summary>
internal sealed record CharacterNode(CodePointSet Set, bool Negated, bool Wide = false) : RegexNode;

internal sealed record SequenceNode(IReadOnlyList<RegexNode> Items) : RegexNode;

internal sealed record ChoiceNode(IReadOnlyList<RegexNode> Branches) : RegexNode;

/// <summary><paramref name="Max"/> -1: unbounded.</summary>
internal sealed record RepeatNode(RegexNode Body, int Min, int Max) : RegexNode;

internal sealed record AssertionNode(Assertion Kind) : RegexNode;

internal enum Assertion { LineStart, LineEnd, WordBoundary, NotWordBoundary }
