using System.Buffers;

namespace SysopsFast.Redis;

/// <summary>
/// One ZSCAN page: members (as keys, a suffix appended when asked) and their scores. A scan fills
/// the same page for each round trip, so reading a set of 24,000 hosts allocates nothing per
/// member; the page is valid until the scan moves on.
/// </summary>
internal sealed class ScoredPage : IDisposable
{
    private double[] _scores = ArrayPool<double>.Shared.Rent(64);

    public KeyPage Members { get; } = new();

    public int Count => Members.Count;

    public double Score(int index) => _scores[index];

    public void Add(ReadOnlySpan<byte> member, ReadOnlySpan<byte> suffix, double score)
    {
        if (Count == _scores.Length)
        {
            var grown = ArrayPool<double>.Shared.Rent(Count * 2);
            _scores.AsSpan(0, Count).CopyTo(grown);
            ArrayPool<double>.Shared.Return(_scores);
            _scores = grown;
        }
        _scores[Count] = score;
        Members.Add(member, suffix);
    }

    public void Clear() => Members.Clear();

    public void Dispose()
    {
        Members.Dispose();
        if (_scores.Length > 0)
        {
            ArrayPool<double>.Shared.Return(_scores);
            _scores = [];
        }
    }
}
