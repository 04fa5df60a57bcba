namespace SysopsFast.Compare;

/// <summary>
/// Myers' linear-space search for a short edit script between two sequences of line classes, with
/// GNU diff's cost bound: when one split point has not been found after <see cref="TooExpensive"/>
/// rounds, the furthest-reaching point found so far is taken instead. The script is then no longer
/// the shortest, but every split still lies on both texts, so the script still turns one text into
/// the other, and the cost grows with the lines times the bound instead of lines times changes.
/// With <c>minimal</c> the bound is off (GNU's <c>--minimal</c>).
/// </summary>
internal sealed class EditScriptSearch
{
    private readonly int[] _a;
    private readonly int[] _b;
    private readonly bool[] _aChanged;
    private readonly bool[] _bChanged;

    /// <summary>Furthest x reached on each diagonal k (= x - y), forward and backward; index k + offset.</summary>
    private readonly int[] _forward;
    private readonly int[] _backward;
    private readonly int _offset;
    private readonly CancellationToken _cancellationToken;

    private EditScriptSearch(int[] a, int[] b, int tooExpensive, CancellationToken cancellationToken)
    {
        _a = a;
        _b = b;
        _aChanged = new bool[a.Length];
        _bChanged = new bool[b.Length];
        _offset = b.Length + 1;
        _forward = new int[a.Length + b.Length + 3];
        _backward = new int[a.Length + b.Length + 3];
        TooExpensive = tooExpensive;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Rounds of one split search before the best point so far is taken.</summary>
    public int TooExpensive { get; }

    /// <summary>Diagonals extended and line pairs compared: what the search cost.</summary>
    public long Cost { get; private set; }

    /// <summary>
    /// Marks the elements of <paramref name="a"/> the script deletes and those of <paramref name="b"/>
    /// it inserts. <paramref name="tooExpensive"/>: the bound (0 for GNU's, which grows as the square
    /// root of the lines, never below 4096); ignored when <paramref name="minimal"/>.
    /// </summary>
    public static EditScriptSearch Run(int[] a, int[] b, bool minimal, CancellationToken cancellationToken, int tooExpensive = 0)
    {
        var bound = minimal ? int.MaxValue : tooExpensive > 0 ? tooExpensive : GnuBound(a.Length + b.Length);
        var search = new EditScriptSearch(a, b, bound, cancellationToken);
        search.Compare(0, a.Length, 0, b.Length);
        return search;
    }

    public bool[] AChanged => _aChanged;

    public bool[] BChanged => _bChanged;

    /// <summary>GNU diff's: about the square root of the diagonals, at least 4096.</summary>
    private static int GnuBound(int lines)
    {
        var bound = 1;
        for (var diagonals = (long)lines + 3; diagonals != 0; diagonals >>= 2)
        {
            bound <<= 1;
        }
        return Math.Max(4096, bound);
    }

    /// <summary>
    /// Diffs a[xlo..xhi) against b[ylo..yhi): common ends are skipped, then the range is split at a
    /// point of the script; the smaller half recurses, the larger is looped on, so the depth stays low
    /// even when the bound makes splits lopsided.
    /// </summary>
    private void Compare(int xlo, int xhi, int ylo, int yhi)
    {
        while (true)
        {
            while (xlo < xhi && ylo < yhi && _a[xlo] == _b[ylo])
            {
                xlo++;
                ylo++;
            }
            while (xlo < xhi && ylo < yhi && _a[xhi - 1] == _b[yhi - 1])
            {
                xhi--;
                yhi--;
            }
            if (xlo == xhi || ylo == yhi)
            {
                _aChanged.AsSpan(xlo, xhi - xlo).Fill(true);
                _bChanged.AsSpan(ylo, yhi - ylo).Fill(true);
                return;
            }
            var (x, y) = Split(xlo, xhi, ylo, yhi);
            if ((x == xlo && y == ylo) || (x == xhi && y == yhi))
            {
                // No progress (cannot happen on a found snake): any inner point keeps the script valid.
                (x, y) = (xlo + ((xhi - xlo + 1) / 2), ylo + ((yhi - ylo) / 2));
            }
            if ((long)(x - xlo) + (y - ylo) < (long)(xhi - x) + (yhi - y))
            {
                Compare(xlo, x, ylo, y);
                (xlo, ylo) = (x, y);
            }
            else
            {
                Compare(x, xhi, y, yhi);
                (xhi, yhi) = (x, y);
            }
        }
    }

    /// <summary>
    /// A point (x, y) that a shortest script of the range passes through (the middle snake), searched
    /// from both corners at once; past the bound, the point closest to either far corner.
    /// </summary>
    private (int X, int Y) Split(int xlo, int xhi, int ylo, int yhi)
    {
        var f = _forward;
        var bw = _backward;
        var o = _offset;
        int dmin = xlo - yhi, dmax = xhi - ylo;
        int fmid = xlo - ylo, bmid = xhi - yhi;
        int fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
        var odd = ((fmid - bmid) & 1) != 0;
        f[fmid + o] = xlo;
        bw[bmid + o] = xhi;
        for (var round = 1; ; round++)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            // Forward: one more edit on every diagonal in reach.
            if (fmin > dmin) { f[--fmin - 1 + o] = -1; } else { fmin++; }
            if (fmax < dmax) { f[++fmax + 1 + o] = -1; } else { fmax--; }
            for (var d = fmax; d >= fmin; d -= 2)
            {
                int low = f[d - 1 + o], high = f[d + 1 + o];
                var x = low >= high ? low + 1 : high;
                var start = x;
                var y = x - d;
                while (x < xhi && y < yhi && _a[x] == _b[y])
                {
                    x++;
                    y++;
                }
                Cost += 1 + x - start;
                f[d + o] = x;
                if (odd && bmin <= d && d <= bmax && bw[d + o] <= x)
                {
                    return (x, y);
                }
            }
            // Backward, from the far corner.
            if (bmin > dmin) { bw[--bmin - 1 + o] = int.MaxValue; } else { bmin++; }
            if (bmax < dmax) { bw[++bmax + 1 + o] = int.MaxValue; } else { bmax--; }
            for (var d = bmax; d >= bmin; d -= 2)
            {
                int low = bw[d - 1 + o], high = bw[d + 1 + o];
                var x = low < high ? low : high - 1;
                var start = x;
                var y = x - d;
                while (x > xlo && y > ylo && _a[x - 1] == _b[y - 1])
                {
                    x--;
                    y--;
                }
                Cost += 1 + start - x;
                bw[d + o] = x;
                if (!odd && fmin <= d && d <= fmax && x <= f[d + o])
                {
                    return (x, y);
                }
            }
            if (round >= TooExpensive)
            {
                return BestSoFar(xlo, xhi, ylo, yhi, fmin, fmax, bmin, bmax);
            }
        }
    }

    /// <summary>GNU's choice past the bound: the forward or backward point that got furthest from its corner.</summary>
    private (int X, int Y) BestSoFar(int xlo, int xhi, int ylo, int yhi, int fmin, int fmax, int bmin, int bmax)
    {
        var o = _offset;
        long forwardBest = -1;
        var forwardX = xlo;
        for (var d = fmax; d >= fmin; d -= 2)
        {
            var x = Math.Min(_forward[d + o], xhi);
            var y = x - d;
            if (y > yhi)
            {
                (x, y) = (yhi + d, yhi);
            }
            if (forwardBest < (long)x + y)
            {
                forwardBest = (long)x + y;
                forwardX = x;
            }
        }
        var backwardBest = long.MaxValue;
        var backwardX = xhi;
        for (var d = bmax; d >= bmin; d -= 2)
        {
            var x = Math.Max(xlo, _backward[d + o]);
            var y = x - d;
            if (y < ylo)
            {
                (x, y) = (ylo + d, ylo);
            }
            if ((long)x + y < backwardBest)
            {
                backwardBest = (long)x + y;
                backwardX = x;
            }
        }
        return ((long)xhi + yhi - backwardBest < forwardBest - ((long)xlo + ylo))
            ? (forwardX, (int)(forwardBest - forwardX))
            : (backwardX, (int)(backwardBest - backwardX));
    }
}
