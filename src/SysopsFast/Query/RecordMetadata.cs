using SysopsFast.Format;

namespace SysopsFast.Query;

/// <summary>One record's key and header: everything a metadata query prints, without its contents.</summary>
/// <remarks>
/// <see cref="Key"/> is for printing: a key that is not UTF-8 shows U+FFFD where its bytes are
/// invalid. <see cref="KeyBytes"/> is the key as stored; fetch by it.
/// </remarks>
public sealed record RecordMetadata(string Key, RecordHeader Header)
{
    /// <summary>The key as stored; fetch by it.</summary>
    public byte[] KeyBytes { get; init; } = System.Text.Encoding.UTF8.GetBytes(Key);

    /// <summary>The host part of the key.</summary>
    public string Host => ObjectKey.Split(Key).Host;

    /// <summary>The object part of the key.</summary>
    public string Object => ObjectKey.Split(Key).Object;

    /// <summary>Bytes the record takes in Redis (header and payload).</summary>
    public long StoredBytes => RecordHeader.Size + (long)Header.PayloadLength;

    /// <summary>The md5 as the usual 32 lowercase hex digits.</summary>
    public string Md5Hex => Header.Md5.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A record fetched whole: its key, header and decoded contents.</summary>
public sealed record FetchedRecord(string Key, RecordHeader Header, byte[] Contents)
{
    /// <summary>The key as stored (see <see cref="RecordMetadata.KeyBytes"/>).</summary>
    public byte[] KeyBytes { get; init; } = System.Text.Encoding.UTF8.GetBytes(Key);

    /// <summary>The record without its contents.</summary>
    public RecordMetadata Metadata => new(Key, Header) { KeyBytes = KeyBytes };
}
