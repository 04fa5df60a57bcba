namespace SysopsFast.Grep;

/// <summary>
/// A GNU extended regular expression as <see cref="PosixRegex"/> reads it: the same reading as the
/// .NET pattern it writes, kept as a tree so that <see cref="LongestMatchAutomaton"/> can find the
/// longest match POSIX asks for (the engine gives the first alternative's).
/// </summary>
internal abstract record RegexNode
{
    public static readonly RegexNode Empty = new SequenceNode([]);
}

/// <summary>One character of the set (negated: any character but these and a newline).</summary>
internal sealed record CharacterNode(CodePointSet Set, bool Negated) : RegexNode;

internal sealed record SequenceNode(IReadOnlyList<RegexNode> Items) : RegexNode;

internal sealed record ChoiceNode(IReadOnlyList<RegexNode> Branches) : RegexNode;

/// <summary><paramref name="Max"/> -1: unbounded.</summary>
internal sealed record RepeatNode(RegexNode Body, int Min, int Max) : RegexNode;

internal sealed record AssertionNode(Assertion Kind) : RegexNode;

internal enum Assertion { LineStart, LineEnd, WordBoundary, NotWordBoundary }
