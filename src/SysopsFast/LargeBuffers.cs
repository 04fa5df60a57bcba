using System.Buffers;
using System.Collections.Concurrent;

namespace SysopsFast;

/// <summary>
/// Byte buffers for replies and decoded records, reused across queries within a fixed number of
/// bytes kept (<see cref="KeptBytes"/>). Buffers of at most 64 KiB come from
/// <see cref="ArrayPool{T}.Shared"/>; larger ones are not left to it: it keeps up to 32 arrays of
/// each size per core and one per thread, trimmed only after a full collection and a minute unused,
/// so a long-running process (serve) kept the MGET reply buffers of its busiest moment for good.
/// </summary>
internal static class LargeBuffers
{
    /// <summary>Buffers this long or shorter are ArrayPool.Shared's.</summary>
    private const int SharedMax = 64 * 1024;

    private const int SmallestShift = 17;

    /// <summary>The largest size kept (16 MiB); a longer buffer is allocated and left to the GC.</summary>
    private const int LargestShift = 24;

    /// <summary>The most bytes kept for reuse: a query's MGETs in flight and its workers' buffers, a few times over.</summary>
    public const long KeptBytes = 32L << 20;

    private static readonly ConcurrentStack<byte[]>[] Free = Enumerable.Range(0, LargestShift - SmallestShift + 1).Select(_ => new ConcurrentStack<byte[]>()).ToArray();

    private static long _kept;

    /// <summary>The bytes kept for reuse now.</summary>
    public static long Kept => Interlocked.Read(ref _kept);

    /// <summary>A buffer of at least <paramref name="length"/> bytes (a power of two above 64 KiB); give it back with <see cref="Return"/>.</summary>
    public static byte[] Rent(int length)
    {
        if (length <= SharedMax)
        {
            return ArrayPool<byte>.Shared.Rent(length);
        }
        var shift = Math.Max(SmallestShift, 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)length - 1));
        if (shift > LargestShift)
        {
            return GC.AllocateUninitializedArray<byte>(length);
        }
        if (Free[shift - SmallestShift].TryPop(out var buffer))
        {
            Interlocked.Add(ref _kept, -buffer.Length);
            return buffer;
        }
        return GC.AllocateUninitializedArray<byte>(1 << shift);
    }

    /// <summary>Keeps <paramref name="buffer"/> for reuse if it is of a kept size and the budget allows; else the GC takes it.</summary>
    public static void Return(byte[] buffer)
    {
        if (buffer.Length <= SharedMax)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return;
        }
        var shift = System.Numerics.BitOperations.Log2((uint)buffer.Length);
        if (!System.Numerics.BitOperations.IsPow2(buffer.Length) || shift > LargestShift)
        {
            return;
        }
        if (Interlocked.Add(ref _kept, buffer.Length) > KeptBytes)
        {
            Interlocked.Add(ref _kept, -buffer.Length);
            return;
        }
        Free[shift - SmallestShift].Push(buffer);
    }
}
