using System.Globalization;
using StackExchange.Redis;
using SysopsFast.Fleet;
using SysopsFast.Format;
using SysopsFast.Redis;

namespace SysopsFast.Push;

/// <summary>One object of this host, ready to push.</summary>
public sealed record PushObject(string Name, byte[] Record, UInt128 Md5);

/// <summary>A directory's objects, and the names left out as sensitive (never read).</summary>
public sealed record PushCollection(IReadOnlyList<PushObject> Objects, IReadOnlyList<string> Sensitive);

/// <summary>What one server did with a push.</summary>
public sealed record PushOutcome(string Server, int Written, int Unchanged, string? Error)
{
    public bool Succeeded => Error is null;

    public override string ToString() => Error is null
        ? string.Create(CultureInfo.InvariantCulture, $"{Server}: ok, {Written} written, {Unchanged} unchanged (expiry refreshed)")
        : $"{Server}: FAILED: {Error}";
}

/// <summary>
/// <c>push</c>: this host's objects to every server given, in parallel, each with its own
/// timeout. An unchanged object only gets its expiry refreshed; otherwise one SET replaces the
/// whole record, so a reader sees the old record or the new one. Unchanged means: the
/// <see cref="PushLedger"/> says the server was given these contents and the key is still there
/// (no read needed), or else the stored md5 (16 bytes of the header) is the same, where the user
/// may read records.
/// </summary>
public static class PushAgent
{
    /// <summary>
    /// Objects from <paramref name="directory"/>: a regular file is a command output dropped there
    /// (<c>cmd/&lt;relative path&gt;</c>); a symlink to a file shares that file under its own
    /// absolute path (a link to /etc/passwd pushes <c>/etc/passwd</c>).
    /// </summary>
    public static IReadOnlyList<PushObject> CollectDirectory(string directory, long insertedUnixMs, PayloadCodec codec = PayloadCodec.Lz4) =>
        Collect(directory, insertedUnixMs, codec).Objects;

    /// <summary>
    /// <see cref="CollectDirectory"/>, leaving out (and not reading) the objects that
    /// <paramref name="sensitive"/> (default: <see cref="SensitiveObjects.Default"/>) names; a file
    /// over <paramref name="sizeCap"/> bytes is pushed as a record that says so (<see cref="ContentReader"/>).
    /// </summary>
    public static PushCollection Collect(string directory, long insertedUnixMs, PayloadCodec codec = PayloadCodec.Lz4, SensitiveObjects? sensitive = null, long sizeCap = RecordEncoder.DefaultSizeCap)
    {
        if (!Directory.Exists(directory))
        {
            throw Errors.BadArgument($"'{directory}' is not a directory; give the directory of outgoing objects", ErrorRemedy.PushDirectory);
        }
        sensitive ??= SensitiveObjects.Default;
        var objects = new List<PushObject>();
        var left = new List<string>();
        foreach (var (fullPath, relative, isLink) in LocalObjects.Files(directory))
        {
            var name = isLink ? new FileInfo(fullPath).ResolveLinkTarget(true)!.FullName : "cmd/" + relative;
            if (sensitive.Matches(name))
            {
                left.Add(name);
                continue;
            }
            ObjectContent content;
            try
            {
                content = ContentReader.ReadFile(fullPath, sizeCap);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Errors.BadArgument($"cannot read '{fullPath}' ({e.Message}); fix its permissions or remove it from {directory}");
            }
            var stat = isLink ? LocalObjects.StatOf(fullPath) : FileStat.None;
            objects.Add(content.ToPushObject(name, stat, insertedUnixMs, codec));
        }
        return new PushCollection(objects, left);
    }

    /// <param name="connections">
    /// Connections the caller keeps (a load generator pushes many simulated hosts through a few);
    /// null: this push connects, and disconnects when done, as one push run does.
    /// </param>
    public static async Task<IReadOnlyList<PushOutcome>> PushAsync(
        string hostname,
        IReadOnlyList<PushObject> objects,
        IReadOnlyList<ServerAddress> servers,
        TimeSpan? ttl,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        PushLedger? ledger = null,
        RedisConnections? connections = null)
    {
        if (!ObjectKey.IsHostName(hostname))
        {
            throw Errors.BadHostName(hostname);
        }
        RedisConnections.CheckCredentials(servers);
        await using var owned = connections is null ? new RedisConnections() : null;
        var tasks = servers.Distinct().Select(s => PushOneAsync(connections ?? owned!, s, hostname, objects, ttl, timeout, ledger ?? PushLedger.None, cancellationToken));
        return await Task.WhenAll(tasks);
    }

    private static async Task<PushOutcome> PushOneAsync(RedisConnections connections, ServerAddress server, string hostname, IReadOnlyList<PushObject> objects, TimeSpan? ttl, TimeSpan timeout, PushLedger ledger, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var db = await connections.DatabaseAsync(server, deadline.Token);
            var keys = objects.Select(o => ObjectKey.Make(hostname, o.Name)).ToArray();
            var name = server.ToString();
            var unchanged = await Task.WhenAll(keys.Select((k, i) => ledger.Holds(name, k, objects[i].Md5) ? RefreshAsync(db, k, ttl) : SameMd5Async(db, k, objects[i].Md5, ttl))).WaitAsync(deadline.Token);
            var writes = new List<Task>();
            for (var i = 0; i < objects.Count; i++)
            {
                if (!unchanged[i])
                {
                    writes.Add(ttl is { } expiry ? db.StringSetAsync(keys[i], objects[i].Record, expiry) : db.StringSetAsync(keys[i], objects[i].Record));
                }
            }
            var written = writes.Count;
            var expiryScore = KeyCatalog.Expiry(ttl, DateTimeOffset.UtcNow);
            foreach (var o in objects)
            {
                writes.AddRange(KeyCatalog.Add(db, hostname, o.Name, expiryScore));
            }
            await Task.WhenAll(writes).WaitAsync(deadline.Token);
            ledger.Record(name, keys.Select((k, i) => (k, objects[i].Md5)));
            return new PushOutcome(name, written, objects.Count - written, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new PushOutcome(server.ToString(), 0, 0, $"no answer within {timeout.TotalSeconds:F0} s");
        }
        catch (SysopsFastException e)
        {
            return new PushOutcome(server.ToString(), 0, 0, e.Message);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return new PushOutcome(server.ToString(), 0, 0, (Errors.ConfigurationError(server.ToString(), e)?.Message ?? e.Message).Split('\n')[0]);
        }
    }

    /// <summary>Refreshes the key's expiry; false when the key is gone (then it must be sent).</summary>
    private static async Task<bool> RefreshAsync(IDatabaseAsync db, string key, TimeSpan? ttl)
    {
        if (ttl is { } t)
        {
            return await db.KeyExpireAsync(key, t);
        }
        var persist = db.KeyPersistAsync(key);
        var exists = await db.KeyExistsAsync(key);
        await persist;
        return exists;
    }

    /// <summary>
    /// Whether the stored record has this md5 (bytes 24–39 of its header: 16 bytes read, not the
    /// record), its expiry then refreshed. A user that may not read records (NOPERM) sends it.
    /// </summary>
    private static async Task<bool> SameMd5Async(IDatabaseAsync db, string key, UInt128 md5, TimeSpan? ttl)
    {
        byte[]? stored;
        try
        {
            stored = await db.StringGetRangeAsync(key, 24, 39);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOPERM", StringComparison.Ordinal))
        {
            return false;
        }
        return stored is { Length: 16 } && System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(stored) == md5 && await RefreshAsync(db, key, ttl);
    }
}
