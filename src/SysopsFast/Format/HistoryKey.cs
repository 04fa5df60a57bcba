using System.Text;

namespace SysopsFast.Format;

/// <summary>
/// The key of a record key's history list, <c>#history:{T}:K</c> (docs/FORMAT.md, "History"): T is
/// the 4-character slot tag that puts the list in K's cluster slot, so that K and its history are
/// written in one transaction on a cluster. Fixed width, so that a per-host pusher's ACL pattern
/// (<c>#history:{????}:host#*</c>) matches exactly its own lists.
/// </summary>
internal static class HistoryKey
{
    /// <summary>What every history key starts with (a housekeeping key: queries skip <c>#</c> keys).</summary>
    public const string Prefix = "#history:";

    /// <summary>Characters of a slot tag, in the order tags are tried.</summary>
    public const string TagAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>Characters in a slot tag.</summary>
    public const int TagLength = 4;

    private static readonly Lazy<string[]> Tags = new(BuildTags);

    /// <summary>The history key of <paramref name="recordKey"/>.</summary>
    public static string Of(string recordKey) => $"{Prefix}{{{TagOf(SlotOf(Encoding.UTF8.GetBytes(recordKey)))}}}:{recordKey}";

    /// <summary>The history key of <paramref name="recordKey"/>, as bytes.</summary>
    public static byte[] Of(ReadOnlySpan<byte> recordKey)
    {
        var head = $"{Prefix}{{{TagOf(SlotOf(recordKey))}}}:";
        var key = new byte[head.Length + recordKey.Length];
        Encoding.ASCII.GetBytes(head, key);
        recordKey.CopyTo(key.AsSpan(head.Length));
        return key;
    }

    /// <summary>
    /// The record key whose history <paramref name="historyKey"/> is; false when it is no history
    /// key or its tag is not its record key's.
    /// </summary>
    public static bool TryRecordKey(string historyKey, out string recordKey)
    {
        recordKey = "";
        var head = Prefix.Length + TagLength + 3;
        if (historyKey.Length <= head || !historyKey.StartsWith(Prefix, StringComparison.Ordinal)
            || historyKey[Prefix.Length] != '{' || historyKey[head - 2] != '}' || historyKey[head - 1] != ':')
        {
            return false;
        }
        var candidate = historyKey[head..];
        if (!string.Equals(Of(candidate), historyKey, StringComparison.Ordinal))
        {
            return false;
        }
        recordKey = candidate;
        return true;
    }

    /// <summary>Redis Cluster's slot of <paramref name="key"/> (its hash tag's when it has one).</summary>
    public static int SlotOf(ReadOnlySpan<byte> key) => ClusterSlots.Of(key);

    /// <summary>The slot tag of <paramref name="slot"/>: the first 4-character string, in alphabet order, that hashes to it.</summary>
    public static string TagOf(int slot) => Tags.Value[slot];

    /// <summary>Walks <c>0000</c>, <c>0001</c>, … until every slot has its first tag (about 300,000 CRCs, once per process).</summary>
    private static string[] BuildTags()
    {
        var tags = new string[ClusterSlots.Count];
        var left = tags.Length;
        Span<byte> tag = stackalloc byte[TagLength];
        var limit = (int)Math.Pow(TagAlphabet.Length, TagLength);
        for (var n = 0; n < limit && left > 0; n++)
        {
            var rest = n;
            for (var i = TagLength - 1; i >= 0; i--)
            {
                tag[i] = (byte)TagAlphabet[rest % TagAlphabet.Length];
                rest /= TagAlphabet.Length;
            }
            var slot = ClusterSlots.Crc16(tag) & (ClusterSlots.Count - 1);
            if (tags[slot] is null)
            {
                tags[slot] = Encoding.ASCII.GetString(tag);
                left--;
            }
        }
        return left == 0 ? tags : throw new InvalidOperationException("a slot has no 4-character tag");
    }
}
