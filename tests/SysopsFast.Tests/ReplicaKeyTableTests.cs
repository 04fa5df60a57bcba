using System.Text;
using SysopsFast.Format;
using SysopsFast.Query;
using Xunit;

namespace SysopsFast.Tests;

/// <summary>The comparison behind verify, on a table filled by hand (three servers A, B, C).</summary>
public sealed class ReplicaKeyTableTests
{
    private static readonly string[] Names = ["A", "B", "C"];

    private static byte[] Key(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void Rows_say_which_servers_lack_a_key_and_which_copies_differ_sorted_by_key()
    {
        var table = new ReplicaKeyTable(3);
        foreach (var server in new[] { 0, 1, 2 })
        {
            table.Present(server, Key("h1#same"), 1);
        }
        table.Present(0, Key("h3#gone"), 5);
        table.Present(1, Key("h3#gone"), 5);
        // On A and B with different contents, absent from C: two rows, missing first.
        table.Present(0, Key("h2#both"), 7);
        table.Present(1, Key("h2#both"), 8);
        // Corrupt on every server: nothing shows the copies agree.
        foreach (var server in new[] { 0, 1, 2 })
        {
            table.Corrupt(server, Key("h4#bad"), "header checksum mismatch");
        }

        var rows = table.Compare("core", Names, [0, 1, 2], out var keys, out _);

        Assert.Equal(4, keys);
        Assert.Equal(
            [
                ("h2#both", ReplicaProblem.Missing, "C"),
                ("h2#both", ReplicaProblem.Different, "A=00000000000000000000000000000007 B=00000000000000000000000000000008"),
                ("h3#gone", ReplicaProblem.Missing, "C"),
                ("h4#bad", ReplicaProblem.Different, "A=corrupt B=corrupt C=corrupt"),
            ],
            rows.Select(r => (r.Key, r.Problem, string.Join(' ', r.Servers.Select(s => r.Problem == ReplicaProblem.Missing ? s.Server : $"{s.Server}={s.Md5Hex ?? "corrupt"}")))));
        Assert.All(rows, r => Assert.Equal("core", r.Core));
        Assert.Equal("header checksum mismatch", rows[3].Servers[1].Corrupt);
    }

    [Fact]
    public void A_server_left_out_is_not_compared_and_a_key_only_it_has_is_not_counted()
    {
        var table = new ReplicaKeyTable(3);
        table.Present(0, Key("h#x"), 1);
        table.Present(1, Key("h#x"), 1);
        table.Present(2, Key("h#x"), 9);         // C failed during its read: what it delivered is ignored
        table.Present(2, Key("h#only-on-c"), 3);

        var rows = table.Compare("core", Names, [0, 1], out var keys, out _);

        Assert.Empty(rows);
        Assert.Equal(1, keys);
    }

    [Fact]
    public void A_key_delivered_twice_by_one_server_counts_once()
    {
        var table = new ReplicaKeyTable(2);
        table.Present(0, Key("h#x"), 1);
        table.Present(0, Key("h#x"), 1);         // SCAN may return a key twice
        table.Present(1, Key("h#x"), 1);

        Assert.Empty(table.Compare("core", Names, [0, 1], out var keys, out _));
        Assert.Equal(1, keys);
    }

    [Fact]
    public void Copies_that_agree_with_histories_that_do_not_are_history_drift()
    {
        var table = new ReplicaKeyTable(2);
        foreach (var (key, a, b) in new (string, ulong?, ulong?)[] { ("h#same", 7, 7), ("h#other", 7, 8), ("h#corrupt", null, null), ("h#unread", 0, 0) })
        {
            table.Present(0, Key(key), 1);
            table.Present(1, Key(key), 1);
            if (key != "h#unread")
            {
                var stored = table.KeysOn(0).Single(k => k.AsSpan().SequenceEqual(Key(key)));
                table.History(0, stored, a);
                table.History(1, stored, b);
            }
        }

        Assert.Empty(table.Compare("core", Names, [0, 1], out var keys, out var drift));
        Assert.Equal(4, keys);
        Assert.Equal(["h#corrupt", "h#other"], drift.Select(d => System.Text.Encoding.UTF8.GetString(d.Key)).Order(StringComparer.Ordinal));
        Assert.All(drift, d => Assert.Equal([0, 1], d.Holders));
    }

    [Fact]
    public void A_history_fingerprint_is_of_the_entries_md5s_and_times_in_order()
    {
        byte[] Entry(string text, long time) => RecordEncoder.Encode(System.Text.Encoding.ASCII.GetBytes(text), FileStat.None, time, PayloadCodec.Lz4);
        var (a, b) = (Entry("a\n", 1000), Entry("b\n", 2000));
        Assert.Equal(0UL, ReplicaHistories.Fingerprint([]));
        Assert.Equal(ReplicaHistories.Fingerprint([a, b]), ReplicaHistories.Fingerprint([a, RecordEncoder.Encode("b\n"u8, FileStat.None, 2000, PayloadCodec.None)]));
        Assert.NotEqual(ReplicaHistories.Fingerprint([a, b]), ReplicaHistories.Fingerprint([b, a]));
        Assert.NotEqual(ReplicaHistories.Fingerprint([a, b]), ReplicaHistories.Fingerprint([a, Entry("b\n", 2001)]));
        var damaged = (byte[])a.Clone();
        damaged[30] ^= 1;
        Assert.Null(ReplicaHistories.Fingerprint([damaged]));
    }
}
