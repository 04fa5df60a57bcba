using SysopsFast.Redis;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>Keys packed in pooled buffers read back exactly, however many and however long.</summary>
public class KeyPageTests
{
    [Fact]
    public void Keys_read_back_as_added_past_the_first_buffers()
    {
        var expected = Enumerable.Range(0, 5000).Select(i => System.Text.Encoding.UTF8.GetBytes($"host-{i:D5}" + new string('x', i % 300))).ToArray();
        using var page = new KeyPage(4);
        foreach (var key in expected)
        {
            page.Add(key);
        }
        Assert.Equal(expected.Length, page.Count);
        Assert.Equal(expected, page.ToArrays());
    }

    [Fact]
    public void A_suffix_joins_its_key_and_an_empty_key_stays_empty()
    {
        using var page = new KeyPage();
        page.Add("web1"u8, "#sysctl-a"u8);
        page.Add([]);
        page.Add("web2"u8);
        Assert.Equal("web1#sysctl-a"u8.ToArray(), page[0].ToArray());
        Assert.True(page[1].IsEmpty);
        Assert.Equal("web2"u8.ToArray(), page[2].ToArray());
    }

    [Fact]
    public void A_slice_is_a_copy_that_outlives_its_page()
    {
        var page = KeyPage.Of(["a"u8.ToArray(), "bb"u8.ToArray(), "ccc"u8.ToArray(), "dddd"u8.ToArray()]);
        using var slice = page.Slice(1, 2);
        page.Dispose();
        page.Dispose(); // twice is harmless (a part disposed by its batch and by a failure path)
        Assert.Equal(0, page.Count);
        Assert.Equal(["bb"u8.ToArray(), "ccc"u8.ToArray()], slice.ToArrays());
    }

    [Fact]
    public void A_key_of_the_page_itself_is_copied_before_its_buffer_grows()
    {
        using var page = new KeyPage(1);
        page.Add(new string('k', 60).Select(c => (byte)c).ToArray());
        for (var i = 0; i < 12; i++)
        {
            page.Add(page[page.Count - 1], "+"u8); // each add outgrows the buffer the key is read from
        }
        Assert.Equal(new string('k', 60) + new string('+', 12), System.Text.Encoding.ASCII.GetString(page[^1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => page[page.Count].Length);
    }
}
