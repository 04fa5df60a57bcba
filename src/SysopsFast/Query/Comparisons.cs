using System.Text;
using SysopsFast.Compare;

namespace SysopsFast.Query;

/// <summary>
/// The answer of <c>compare</c> for one key against the reference: identical, or a unified diff
/// whose headers name both keys. <see cref="Diff"/> is null when identical.
/// </summary>
/// <remarks>The diff is bytes: lines of files that are not UTF-8 are printed exactly as stored.</remarks>
public sealed record Comparison(RecordMetadata Record, byte[]? Diff)
{
    /// <summary>The two contents are the same.</summary>
    public bool Identical => Diff is null;
}

/// <summary>The answer of <c>compare-all</c> for one md5 group: the diff against the majority's sample (null for the majority).</summary>
public sealed record GroupComparison(Md5Group Group, bool Majority, byte[]? Diff);

/// <summary>Diffs shared by compare and compare-all: computed once per distinct pair of contents, labelled per key.</summary>
public static class Comparisons
{
    /// <summary>
    /// The diff of two records' contents (null when identical). A record stored without its contents
    /// (over the size cap when pushed) cannot be diffed: that is said instead of diffing nothing.
    /// </summary>
    /// <param name="budget">What the answer may still hold of diffs; a longer one is replaced by a notice.</param>
    /// <param name="reference">The record compared against.</param>
    /// <param name="other">The record compared.</param>
    /// <param name="otherKey">How the diff's header names <paramref name="other"/>.</param>
    /// <param name="search">How hard the line diff may look for a short answer.</param>
    public static byte[]? Contents(FetchedRecord reference, FetchedRecord other, string otherKey, DiffBudget budget, DiffSearch search = default)
    {
        ArgumentNullException.ThrowIfNull(budget);
        var omitted = new[] { reference, other }.Where(r => (r.Header.Flags & Format.RecordFlags.Omitted) != 0).Select(r => r.Key).ToArray();
        if (omitted.Length > 0)
        {
            var same = reference.Header.Md5 == other.Header.Md5 && reference.Header.RawLength == other.Header.RawLength;
            return same ? null : Encoding.UTF8.GetBytes($"{reference.Key} and {otherKey} differ; the contents of {string.Join(" and ", omitted)} were over the size cap when pushed and were not stored\n");
        }
        return budget.Hold(reference.Contents, other.Contents, reference.Key, otherKey, search);
    }

    /// <summary>
    /// A diff made against <paramref name="sampleKey"/>, relabelled for <paramref name="key"/>, which
    /// has the same contents: one diff per distinct contents, however many keys hold it.
    /// </summary>
    public static byte[] Relabel(byte[] diff, string referenceKey, string sampleKey, string key)
    {
        if (key == sampleKey)
        {
            return diff;
        }
        var span = diff.AsSpan();
        var first = span.IndexOf((byte)'\n');
        var second = first < 0 ? -1 : span[(first + 1)..].IndexOf((byte)'\n');
        if (span.StartsWith("--- "u8) && second >= 0 && span[(first + 1)..].StartsWith("+++ "u8))
        {
            return [.. span[..(first + 1)], .. Encoding.UTF8.GetBytes("+++ " + key + "\n"), .. span[(first + second + 2)..]];
        }
        // The one-line forms: "Binary files R and S differ", "R and S differ; the contents of S were …".
        var text = Encoding.UTF8.GetString(diff)
            .Replace(referenceKey + " and " + sampleKey, referenceKey + " and " + key, StringComparison.Ordinal)
            .Replace("contents of " + sampleKey + " were", "contents of " + key + " were", StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>A header field compared as one line of text each.</summary>
    public static byte[]? Field(RecordField field, RecordMetadata reference, RecordMetadata other, DateTimeOffset now)
    {
        var left = Encoding.UTF8.GetBytes(FieldText.Format(field, reference, now) + "\n");
        var right = Encoding.UTF8.GetBytes(FieldText.Format(field, other, now) + "\n");
        using var diff = new MemoryStream();
        return UnifiedDiff.WriteTo(diff, left, right, reference.Key, other.Key) ? diff.ToArray() : null;
    }
}
