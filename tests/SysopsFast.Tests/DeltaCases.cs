using SysopsFast.Format;
using SysopsFast.Grep;
using SysopsFast.Pipeline;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>
/// Line delta bases to write a test's contents against, so that every op and edge is met: the
/// contents themselves (all copied), nothing (all inserted), lines longer and shorter than the
/// contents' (edits both ways), CR line ends, the final newline toggled, the first and last lines
/// changed, the lines reversed, the contents twice, unrelated text.
/// </summary>
internal static class DeltaCases
{
    public static IReadOnlyList<LineBase> BasesFor(byte[] contents)
    {
        var lines = LinesOf(contents);
        var unterminated = contents.Length > 0 && contents[^1] != (byte)'\n';
        List<byte[]> bases =
        [
            contents,
            [],
            Join(lines.Select(l => (byte[])[.. l, (byte)'x']), unterminated),
            Join(lines.Select(l => l.Length > 0 ? l[..^1] : l), unterminated),
            Join(lines.Select(l => (byte[])[.. l, (byte)'\r']), unterminated),
            Join(lines, !unterminated),
            Join(lines.Select((l, i) => i == 0 || i == lines.Count - 1 ? [.. "edge "u8, .. l] : l), unterminated),
            Join(Enumerable.Reverse(lines), unterminated),
            [.. contents, .. "\n"u8, .. contents],
            "unrelated\n"u8.ToArray(),
        ];
        return bases.DistinctBy(Convert.ToBase64String).Select(b => new LineBase(b)).ToList();
    }

    /// <summary>
    /// Searches a line delta payload from its ops, as a worker does, into <paramref name="sink"/>
    /// (through the target the sink calls for); the selected lines, or -1.
    /// </summary>
    public static long Search(byte[] payload, LineBase lineBase, int rawLength, IMatcher matcher, bool invert, IGrepSink sink, SelectionLimits? limits = null)
    {
        Assert.True(LineDeltaRecord.TryOpen(payload, lineBase, rawLength, out var record), "a payload the decoder reads is opened");
        var searcher = new DeltaLineSearcher(matcher, invert, new BaseMatchCache(invert));
        limits ??= SelectionLimits.None;
        return searcher.Search(record, limits.MaxCount, DeltaLineTargets.For(sink, limits));
    }

    /// <summary>Each line without its '\n', as a searcher sees them (no empty line after a last '\n').</summary>
    public static List<byte[]> LinesOf(byte[] contents)
    {
        var lineBase = new LineBase(contents);
        return Enumerable.Range(0, lineBase.LineCount).Select(i => lineBase.Line(i).ToArray()).ToList();
    }

    private static byte[] Join(IEnumerable<byte[]> lines, bool unterminated)
    {
        var joined = lines.SelectMany(l => (byte[])[.. l, (byte)'\n']).ToArray();
        return unterminated && joined.Length > 0 ? joined[..^1] : joined;
    }
}

/// <summary>Collects each selected line with its number (asks for numbers, as -n does).</summary>
internal sealed class NumberedSink : IGrepSink
{
    public List<string> Lines { get; } = [];

    public bool NeedsLineNumbers => true;

    public void BeginRecord(ReadOnlySpan<byte> key) { }

    public bool Matched(ReadOnlySpan<byte> line) => Matched(line, -1);

    public bool Matched(ReadOnlySpan<byte> line, long lineNumber)
    {
        Lines.Add($"{lineNumber}:{Convert.ToHexString(line)}");
        return true;
    }

    public void EndRecord(long selectedLines) { }
}
