using System.IO.Hashing;
using System.Numerics;

namespace SysopsFast.Compare;

/// <summary>
/// Numbers the distinct lines of two texts: two lines get the same number exactly when their bytes
/// are equal, so the diff compares ints. An open-addressing table of line references rather than a
/// dictionary of copied lines: a few ints per line, whatever the lines' length.
/// </summary>
internal static class LineClasses
{
    public static (int[] Left, int[] Right) Assign(ReadOnlySpan<byte> left, LineTable leftLines, ReadOnlySpan<byte> right, LineTable rightLines)
    {
        var texts = new Texts(left, leftLines, right, rightLines);
        var table = new ClassTable(texts.Count);
        var leftIds = new int[leftLines.Count];
        var rightIds = new int[rightLines.Count];
        for (var r = 0; r < leftIds.Length; r++)
        {
            leftIds[r] = table.ClassOf(texts, r);
        }
        for (var r = 0; r < rightIds.Length; r++)
        {
            rightIds[r] = table.ClassOf(texts, leftIds.Length + r);
        }
        return (leftIds, rightIds);
    }

    /// <summary>Both texts' lines under one numbering: the left lines, then the right ones.</summary>
    private readonly ref struct Texts(ReadOnlySpan<byte> left, LineTable leftLines, ReadOnlySpan<byte> right, LineTable rightLines)
    {
        private readonly ReadOnlySpan<byte> _left = left;
        private readonly ReadOnlySpan<byte> _right = right;

        public int Count => leftLines.Count + rightLines.Count;

        public ReadOnlySpan<byte> Line(int reference) =>
            reference < leftLines.Count ? leftLines.Line(_left, reference) : rightLines.Line(_right, reference - leftLines.Count);
    }

    private sealed class ClassTable
    {
        private readonly int[] _slots;          // class + 1; 0 is an empty slot
        private readonly ulong[] _classHash;
        private readonly int[] _classLine;      // the first line of the class, whose bytes it compares with
        private int _classes;

        public ClassTable(int lines)
        {
            // Twice the lines, in long arithmetic: a gigabyte of newlines must not overflow to a 16-slot table.
            _slots = new int[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(2L * lines, 16, 1L << 30))];
            _classHash = new ulong[lines];
            _classLine = new int[lines];
        }

        public int ClassOf(Texts texts, int reference)
        {
            var line = texts.Line(reference);
            var hash = XxHash3.HashToUInt64(line);
            var mask = _slots.Length - 1;
            for (var slot = (int)hash & mask; ; slot = (slot + 1) & mask)
            {
                var c = _slots[slot] - 1;
                if (c < 0)
                {
                    _slots[slot] = _classes + 1;
                    _classHash[_classes] = hash;
                    _classLine[_classes] = reference;
                    return _classes++;
                }
                if (_classHash[c] == hash && line.SequenceEqual(texts.Line(_classLine[c])))
                {
                    return c;
                }
            }
        }
    }
}
