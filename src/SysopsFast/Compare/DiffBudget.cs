using System.Globalization;
using System.Text;

namespace SysopsFast.Compare;

/// <summary>
/// The bytes of diff one answer may hold before it is printed (compare holds every distinct diff
/// until its keys are printed in order). A diff that would take the answer past it is not held:
/// one line in its place names both keys and the limit, so a key holding a 120 MB line costs no
/// 120 MB diff, and 28 such keys no 3 GB.
/// </summary>
public sealed class DiffBudget(long bytes = DiffBudget.DefaultBytes)
{
    /// <summary>32 MiB: several hundred ordinary diffs, and a JSON copy of all of them, fit in the 300 MB a query may take.</summary>
    public const long DefaultBytes = 32L << 20;

    /// <summary>The bytes of diff the whole answer may hold.</summary>
    public long Limit { get; } = bytes;

    /// <summary>What is left of <see cref="Limit"/> after the diffs held so far.</summary>
    public long Remaining { get; private set; } = bytes;

    /// <summary>The diff's bytes (null when the texts are equal), or the one-line notice when they do not fit.</summary>
    internal byte[]? Hold(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, string leftLabel, string rightLabel, DiffSearch search)
    {
        // Every byte one text has beyond the other is on a '+' or '-' line: a diff that cannot fit is
        // known without building the part of it that would.
        if (Math.Abs((long)left.Length - right.Length) > Remaining)
        {
            return Overflow(leftLabel, rightLabel);
        }
        using var held = new BoundedBuffer(Remaining);
        if (!UnifiedDiff.WriteTo(held, left, right, leftLabel, rightLabel, search: search))
        {
            return null;
        }
        if (held.Overflowed)
        {
            return Overflow(leftLabel, rightLabel);
        }
        Remaining -= held.Length;
        return held.ToArray();
    }

    private byte[] Overflow(string leftLabel, string rightLabel) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"{leftLabel} and {rightLabel} differ; their diff would take this answer over the {Limit} bytes of diff it holds: dump both objects and run diff on the files\n"));

    /// <summary>A memory stream that keeps at most its limit and then only notes that more came.</summary>
    private sealed class BoundedBuffer(long limit) : WriteOnlyStream
    {
        private readonly MemoryStream _bytes = new();

        public bool Overflowed { get; private set; }

        public override long Length => _bytes.Length;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Overflowed |= _bytes.Length + buffer.Length > limit;
            if (!Overflowed)
            {
                _bytes.Write(buffer);
            }
        }

        public byte[] ToArray() => _bytes.ToArray();

        protected override void Dispose(bool disposing)
        {
            _bytes.Dispose();
            base.Dispose(disposing);
        }
    }
}
