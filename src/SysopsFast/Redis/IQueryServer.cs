namespace SysopsFast.Redis;

/// <summary>
/// What the query stages (discovery, fetch) ask of one server, or of one Redis Cluster, over our own
/// RESP connections (plain TCP or TLS): <see cref="RespQueryServer"/> for a standalone server,
/// <see cref="ClusterQueryServer"/> for a cluster. Disposing it closes its connections.
/// </summary>
internal interface IQueryServer : IAsyncDisposable
{
    /// <summary>For messages.</summary>
    string Name { get; }

    /// <summary>The connection is gone; a later query must connect again.</summary>
    bool IsBroken { get; }

    /// <summary>Closes the sockets at once (<see cref="RespConnection.Close"/>): a query using them fails as from a dropped connection.</summary>
    void Close();

    Task<bool> KeyExistsAsync(byte[] key);

    /// <summary>
    /// ZSCAN: the members with their scores (matching <paramref name="match"/> if given), a page at
    /// a time, so memory does not grow with the set. Every member present for the whole scan is
    /// returned; one may be returned twice (the caller drops repeats). A member longer than
    /// <paramref name="maxMemberLength"/> is returned empty, never copied (what a writer adds cannot
    /// grow the client's memory). A member suffix is appended to each member as it is copied (the
    /// catalog builds keys host#object from the reply, without a copy of each host). The scan
    /// fills one page for every round trip: a page is valid until the enumeration moves on.
    /// </summary>
    IAsyncEnumerable<ScoredPage> SortedSetScanAsync(byte[] key, string? match, int pageSize, CancellationToken cancellationToken, int maxMemberLength = int.MaxValue, byte[]? memberSuffix = null);

    /// <summary>ZREM of <paramref name="members"/>, not waited for and failure ignored (a reader's ACL refuses it).</summary>
    void RemoveMembers(byte[] key, byte[][] members);

    /// <summary>
    /// ZMSCORE: whether each member is in the sorted set (all false for a missing key); null when the
    /// server answers with an error (a server before Redis 6.2, a user not allowed ZMSCORE, a key of
    /// another type), for callers that can do without it.
    /// </summary>
    Task<bool[]?> SortedSetContainsAsync(byte[] key, byte[][] members);

    /// <summary>Whether each key exists: one EXISTS per key, pipelined (on a cluster, routed per slot).</summary>
    Task<bool[]> KeysExistAsync(byte[][] keys);

    /// <summary>
    /// Each key's length (STRLEN) and its first <paramref name="maxLength"/> bytes at most
    /// (GETRANGE), in one round trip: a value longer than its readers accept (a dictionary) is never
    /// fetched whole. Null bytes and length 0 for a missing key or one that is not a string.
    /// </summary>
    Task<(byte[]? Bytes, long Length)[]> GetBoundedAsync(IReadOnlyList<byte[]> keys, int maxLength);

    /// <summary>SCAN MATCH over the whole keyspace (every primary of a cluster), a page at a time.</summary>
    IAsyncEnumerable<byte[][]> ScanAsync(string glob, int pageSize, CancellationToken cancellationToken);

    /// <summary>Asks for the values of <paramref name="keys"/>: one reply, or one per hash slot on a cluster.</summary>
    /// <param name="duplicates">Per key, keys with the same contents to feed with it (see <see cref="HeadersAsync"/>).</param>
    /// <param name="keys">The keys to read. Always taken over: the parts returned own them (disposing a part disposes its keys), or they are disposed at once (a cluster copies them; a failure).</param>
    List<Task<IMgetPart>> Mget(KeyPage keys, DuplicateGroup?[]? duplicates = null);

    /// <summary>
    /// The first <see cref="Format.RecordHeader.Size"/> bytes of each key's value (empty for a missing
    /// key), in one round trip; null where the server cannot do that (GETRANGE refused, a cluster).
    /// </summary>
    Task<byte[][]?> HeadersAsync(KeyPage keys);

    /// <summary>
    /// The first <see cref="Format.RecordHeader.Size"/> bytes of each key's value (empty for a
    /// missing key or one that is not a string), always: one pipelined GETRANGE per key (on a
    /// cluster, routed per slot).
    /// </summary>
    Task<byte[][]> ReadHeadersAsync(byte[][] keys);

    /// <summary>
    /// Each key's whole list (LRANGE 0 -1: a record's history, docs/FORMAT.md), pipelined in one write
    /// per node (on a cluster, routed per slot); empty for a missing key or one that is not a list.
    /// The reply obeys the limits of every reply (<see cref="RespReply.MaxReplyLength"/>): callers ask
    /// for a few keys at a time.
    /// </summary>
    Task<byte[][][]> ListRangesAsync(byte[][] keys);

    /// <summary>PUBLISH on <paramref name="channel"/>; the number of subscribers that got it.</summary>
    Task<long> PublishAsync(string channel, string message);

    /// <summary>XADD to a stream capped at about <paramref name="maxLength"/> entries (MAXLEN ~).</summary>
    Task AppendToStreamAsync(string stream, IReadOnlyList<KeyValuePair<string, string>> fields, long maxLength);

    /// <summary>XRANGE: up to <paramref name="count"/> entries after <paramref name="afterId"/> ("-" for the first), oldest first.</summary>
    Task<IReadOnlyList<StreamEntry>> StreamRangeAsync(string stream, string afterId, int count);

    /// <summary>INFO of the server (of each primary, for a cluster), with the node's address; null for a node not connected.</summary>
    Task<IReadOnlyList<(string Node, string? Info)>> InfoAsync();
}

/// <summary>One entry of a Redis stream: its id ("ms-seq") and its fields in order.</summary>
internal sealed record StreamEntry(string Id, IReadOnlyList<KeyValuePair<string, string>> Fields);
