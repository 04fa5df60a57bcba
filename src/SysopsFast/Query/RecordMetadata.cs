using SysopsFast.Format;

namespace SysopsFast.Query;

/// <summary>One record's key and header: everything a metadata query prints, without its contents.</summary>
public sealed record RecordMetadata(string Key, RecordHeader Header)
{
    public string Host => ObjectKey.Split(Key).Host;

    public string Object => ObjectKey.Split(Key).Object;

    /// <summary>Bytes the record takes in Redis (header and payload).</summary>
    public long StoredBytes => RecordHeader.Size + (long)Header.PayloadLength;

    /// <summary>The md5 as the usual 32 lowercase hex digits.</summary>
    public string Md5Hex => Header.Md5.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A record fetched whole: its key, header and decoded contents.</summary>
public sealed record FetchedRecord(string Key, RecordHeader Header, byte[] Contents)
{
    public RecordMetadata Metadata => new(Key, Header);
}
