using System.IO.Hashing;

namespace SysopsFast.Pipeline;

/// <summary>
/// The keys of one core that a worker has already taken. When a core is read from more than one of
/// its servers (a retry on its twin after a failure mid-query, or --no-load-balance), a key is
/// processed by whoever claims it first, so nothing is counted twice and nothing is lost. Keys are
/// kept as 64-bit hashes: 8 bytes a key, and a collision among a million keys has odds of ~1e-8.
/// </summary>
public sealed class KeyClaims
{
    private readonly HashSet<ulong> _claimed = [];
    private readonly Lock _lock = new();

    /// <summary>Takes <paramref name="key"/>: true when no worker had taken it yet.</summary>
    public bool TryClaim(ReadOnlySpan<byte> key)
    {
        var h = XxHash3.HashToUInt64(key);
        lock (_lock)
        {
            return _claimed.Add(h);
        }
    }

    /// <summary>Whether a worker has taken <paramref name="key"/>.</summary>
    public bool IsClaimed(ReadOnlySpan<byte> key)
    {
        var h = XxHash3.HashToUInt64(key);
        lock (_lock)
        {
            return _claimed.Contains(h);
        }
    }
}
