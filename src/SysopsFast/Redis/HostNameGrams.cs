using System.Collections;

namespace SysopsFast.Redis;

/// <summary>
/// The key catalog's host-name index (docs/FORMAT.md, "Host-name index"): every 1-, 2- and 3-byte
/// substring ("gram") of every listed host name, kept in <see cref="KeyCatalog.HostGramsKey"/>. A
/// host name that holds a text holds each 3-byte piece of it (the text itself, when shorter), so
/// one piece missing from the index proves that no host name holds the text without reading a
/// single host name. An instance remembers the grams a writer has sent, so a writer of many hosts
/// sends each gram once (a fixed 2 MiB of bits, whatever the names).
/// </summary>
internal sealed class HostNameGrams
{
    /// <summary>The longest gram kept: 3 bytes (every shorter text is a gram itself).</summary>
    public const int Longest = 3;

    /// <summary>At most this many grams are asked per text: when one of a subset is missing, that proves as much.</summary>
    private const int MaxAsked = 64;

    /// <summary>One bit per possible gram: 256 of 1 byte, 65,536 of 2, 16,777,216 of 3.</summary>
    private readonly BitArray _sent = new(256 + 65_536 + 16_777_216);

    /// <summary>The grams of <paramref name="host"/> not sent before; from now on they count as sent.</summary>
    public List<byte[]> New(ReadOnlySpan<byte> host)
    {
        var grams = new List<byte[]>();
        for (var length = 1; length <= Longest; length++)
        {
            for (var i = 0; i + length <= host.Length; i++)
            {
                var gram = host.Slice(i, length);
                var slot = Slot(gram);
                if (!_sent[slot])
                {
                    _sent[slot] = true;
                    grams.Add(gram.ToArray());
                }
            }
        }
        return grams;
    }

    /// <summary>Every distinct gram of one host name (a pusher's: one host, no memory kept).</summary>
    public static List<byte[]> Of(string host)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(host);
        var grams = new Dictionary<int, byte[]>();
        for (var length = 1; length <= Longest; length++)
        {
            for (var i = 0; i + length <= bytes.Length; i++)
            {
                grams.TryAdd(Slot(bytes.AsSpan(i, length)), bytes[i..(i + length)]);
            }
        }
        return [.. grams.Values];
    }

    /// <summary>The grams whose absence proves that no host name holds <paramref name="text"/> (not empty): the text itself up to 3 bytes, else its distinct 3-byte pieces.</summary>
    public static byte[][] Asked(ReadOnlySpan<byte> text)
    {
        if (text.Length <= Longest)
        {
            return [text.ToArray()];
        }
        var asked = new Dictionary<int, byte[]>();
        for (var i = 0; i + Longest <= text.Length && asked.Count < MaxAsked; i++)
        {
            asked.TryAdd(Slot(text.Slice(i, Longest)), text.Slice(i, Longest).ToArray());
        }
        return [.. asked.Values];
    }

    /// <summary>
    /// Whether the server's index proves that no host name in its catalog holds
    /// <paramref name="text"/>: the index is complete (its marker exists) and one of the text's grams
    /// is missing from it. False when it cannot tell (no marker, a server before Redis 6.2, a user
    /// not allowed ZMSCORE): host names are then read, as without an index.
    /// </summary>
    public static async Task<bool> ProveNoHostHoldsAsync(IQueryServer server, byte[] text)
    {
        // Both sent before either is awaited: one round trip on a standalone server.
        var complete = server.KeyExistsAsync(KeyCatalog.HostGramsCompleteKey);
        var found = server.SortedSetContainsAsync(KeyCatalog.HostGramsKey, Asked(text));
        await Task.WhenAll(complete, found);
        return await complete && await found is { } present && Array.IndexOf(present, false) >= 0;
    }

    /// <summary>A gram's bit: its length picks the range, its bytes the place in it.</summary>
    private static int Slot(ReadOnlySpan<byte> gram) => gram.Length switch
    {
        1 => gram[0],
        2 => 256 + (gram[0] << 8 | gram[1]),
        _ => 256 + 65_536 + (gram[0] << 16 | gram[1] << 8 | gram[2]),
    };
}
