using Xunit;

namespace SysopsFast.Tests;

/// <summary>The buffers of replies and decoded records: reused, within a fixed number of bytes however many come back.</summary>
public class LargeBuffersTests
{
    [Fact]
    public void Buffers_returned_past_the_budget_are_left_to_the_gc()
    {
        // 40 × 2 MiB, rented at once as 8 queries' MGET replies would be, then all given back.
        var rented = Enumerable.Range(0, 40).Select(_ => LargeBuffers.Rent((1 << 20) + 1)).ToArray();
        Assert.All(rented, b => Assert.Equal(2 << 20, b.Length));
        foreach (var b in rented)
        {
            LargeBuffers.Return(b);
        }
        Assert.InRange(LargeBuffers.Kept, 0, LargeBuffers.KeptBytes);
    }

    [Fact]
    public void A_returned_buffer_is_rented_again()
    {
        var first = LargeBuffers.Rent((8 << 20) + 1);
        LargeBuffers.Return(first);
        Assert.Same(first, LargeBuffers.Rent(16 << 20));
    }

    [Fact]
    public void An_oversized_buffer_is_allocated_to_size_and_not_kept()
    {
        var huge = LargeBuffers.Rent((16 << 20) + 1);
        Assert.Equal((16 << 20) + 1, huge.Length);
        LargeBuffers.Return(huge);
        Assert.NotSame(huge, LargeBuffers.Rent((16 << 20) + 1));
    }
}
